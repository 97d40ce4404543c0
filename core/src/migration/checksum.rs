//! The canonical checksum of a migration: SHA-256 over the JSON of the parsed model with
//! object keys sorted, so that reformatting a file or converting it between TOML, YAML and
//! JSON does not count as a change, while any change of meaning does.
//!
//! The keys are sorted here, explicitly: serde_json keeps insertion order when any crate in
//! the build enables its `preserve_order` feature (the MongoDB driver's `bson` does), and a
//! checksum must not change with the features of a dependency.

use sha2::{Digest, Sha256};

use crate::steps::Step;

/// The checksum of a migration's description and steps.
pub fn checksum(description: Option<&str>, steps: &[Step]) -> String {
    let model = serde_json::json!({ "description": description, "steps": steps });
    let mut text = String::new();
    canonical(&model, &mut text);
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Compact JSON with object keys in sorted order.
fn canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::migration::{parse_str, Format};

    /// The checksum of a fixed migration never changes: history rows written by any earlier
    /// build must keep matching their files.
    #[test]
    fn the_checksum_format_is_stable() {
        let m = parse_str(
            "0001_x.toml",
            "description = \"d\"\n[[step]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = \"nick\"\ntype = \"string(40)\"\ndefault = \"anon\"\nnullable = false\n",
            Format::Toml,
            1,
            "x",
        )
        .unwrap();
        assert_eq!(m.checksum, GOLDEN, "the canonical checksum format changed");
    }

    const GOLDEN: &str = "fbfdda00d3febca91453f3910b8ff8a1f07b1054d4cf15cf924aa3a08c03ca11";
}
