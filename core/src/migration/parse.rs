//! Parsing one migration file — TOML, YAML or JSON — into a [`Migration`].

use std::path::Path;

use super::discover::parse_version;
use super::{checksum, Migration};
use crate::error::{Error, Result, StepLocation};
use crate::steps::{Step, StepKind};

/// The syntax of a migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.toml`: steps as `[[step]]` tables.
    Toml,
    /// `.yaml` / `.yml`: a `step:` (or `steps:`) list.
    Yaml,
    /// `.json`: a `"step"` (or `"steps"`) array.
    Json,
}

impl Format {
    /// The format of a file, by extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Reads and parses the migration file at `path`.
pub fn parse_file(path: &Path) -> Result<Migration> {
    let file = path.display().to_string();
    let (format, version, name) = identity(&file, path)?;
    let size = std::fs::metadata(path)
        .map_err(|source| Error::Io {
            path: file.clone(),
            source,
        })?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(Error::File {
            file,
            message: too_big(size as usize),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: file.clone(),
        source,
    })?;
    parse_str(&file, &text, format, version, &name)
}

/// Parses the text of a migration file whose name is `file_name` (which gives its version,
/// name and format, as on disk); `file` names it in messages. What `strata::embed!` parses
/// at build time and again at run time.
pub fn parse_text(file: &str, file_name: &Path, text: &str) -> Result<Migration> {
    let (format, version, name) = identity(file, file_name)?;
    parse_str(file, text, format, version, &name)
}

/// The format, version and name a migration file's name gives.
fn identity(file: &str, path: &Path) -> Result<(Format, u64, String)> {
    let file_error = |message: String| Error::File {
        file: file.to_owned(),
        message,
    };
    let format = Format::from_path(path).ok_or_else(|| {
        file_error("unknown extension (expected .toml, .yaml, .yml or .json)".into())
    })?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let (version, name) = parse_version(file_name)
        .map_err(file_error)?
        .ok_or_else(|| {
            file_error(
                "the file name must start with its version number, as in 0001_create_users.toml"
                    .into(),
            )
        })?;
    Ok((format, version, name))
}

/// The largest migration file strata reads: far above any migration written by hand, far
/// below what would make planning slow.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// The deepest nesting of lists and tables a migration file may have (a step's literal
/// values included).
pub const MAX_DEPTH: usize = 64;
/// The most steps one migration file may have.
pub const MAX_STEPS: usize = 1000;

fn too_big(size: usize) -> String {
    format!(
        "the file is {size} bytes; a migration may have at most {MAX_FILE_BYTES} (split it into several migrations)"
    )
}

/// How deeply `text` nests lists and tables, estimated without parsing it (a parser would
/// take its time to refuse 100 000 levels): brackets outside quoted strings, and for YAML
/// also block indentation levels and `- ` items that open on one line.
fn nesting(text: &str, format: Format) -> usize {
    let mut deepest = 0;
    let mut depth: usize = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '\n' if format == Format::Toml => quote = None,
            _ => {}
        }
    }
    if format == Format::Yaml {
        let mut indents: Vec<usize> = Vec::new();
        for line in text.lines() {
            let body = line.trim_start_matches(' ');
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let indent = line.len() - body.len();
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
            let mut items = 0;
            let mut rest = body;
            while let Some(r) = rest
                .strip_prefix("- ")
                .or_else(|| (rest == "-").then_some(""))
            {
                items += 1;
                rest = r.trim_start_matches(' ');
            }
            deepest = deepest.max(indents.len() + items + depth);
        }
    }
    deepest
}

/// Parses migration text. `file` is used in error messages only.
pub fn parse_str(
    file: &str,
    text: &str,
    format: Format,
    version: u64,
    name: &str,
) -> Result<Migration> {
    let file_error = |message: String| Error::File {
        file: file.to_owned(),
        message,
    };
    if text.len() > MAX_FILE_BYTES {
        return Err(file_error(too_big(text.len())));
    }
    let depth = nesting(text, format);
    if depth > MAX_DEPTH {
        return Err(file_error(format!(
            "lists and tables nest {depth} levels deep; a migration may nest at most {MAX_DEPTH}"
        )));
    }
    let document: serde_json::Value = match format {
        Format::Toml => toml::from_str(text)
            .map_err(|e| file_error(format!("invalid TOML: {}", e.message().trim())))?,
        Format::Yaml => {
            serde_yaml::from_str(text).map_err(|e| file_error(format!("invalid YAML: {e}")))?
        }
        Format::Json => {
            serde_json::from_str(text).map_err(|e| file_error(format!("invalid JSON: {e}")))?
        }
    };
    let serde_json::Value::Object(mut top) = document else {
        return Err(file_error(
            "expected a table with `description` and `step` entries".into(),
        ));
    };
    let description = match top.remove("description") {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(file_error("field `description`: expected a string".into())),
    };
    let steps_value = match (top.remove("step"), top.remove("steps")) {
        (Some(_), Some(_)) => {
            return Err(file_error(
                "both `step` and `steps` are given; use one".into(),
            ))
        }
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => return Err(file_error("no steps (expected [[step]] entries)".into())),
    };
    if let Some(key) = top.keys().next() {
        return Err(file_error(format!(
            "unknown field `{key}` (expected description, step)"
        )));
    }
    let serde_json::Value::Array(raw_steps) = steps_value else {
        return Err(file_error("field `step`: expected a list of steps".into()));
    };
    if raw_steps.is_empty() {
        return Err(file_error("no steps (expected [[step]] entries)".into()));
    }
    if raw_steps.len() > MAX_STEPS {
        return Err(file_error(format!(
            "{} steps; a migration may have at most {MAX_STEPS} (split it into several migrations)",
            raw_steps.len()
        )));
    }
    let steps = raw_steps
        .into_iter()
        .enumerate()
        .map(|(i, raw)| parse_step(file, i + 1, raw))
        .collect::<Result<Vec<_>>>()?;
    Ok(Migration {
        version,
        name: name.to_owned(),
        file: file.to_owned(),
        checksum: checksum(description.as_deref(), &steps),
        description,
        steps,
    })
}

fn parse_step(file: &str, index: usize, raw: serde_json::Value) -> Result<Step> {
    let mut location = StepLocation {
        file: file.to_owned(),
        index,
        op: "?".into(),
    };
    let serde_json::Value::Object(mut fields) = raw else {
        return Err(Error::step(&location, "expected a table of fields"));
    };
    let op = match fields.remove("op") {
        Some(serde_json::Value::String(op)) => op,
        Some(_) => return Err(Error::step(&location, "field `op`: expected a string")),
        None => return Err(Error::step(&location, "missing field `op`")),
    };
    location.op = op.clone();
    let reason = match fields.remove("reason") {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(Error::step(&location, "field `reason`: expected a string")),
    };
    let kind = StepKind::from_fields(&op, serde_json::Value::Object(fields))
        .map_err(|m| Error::step(&location, m))?;
    kind.spec()
        .validate()
        .map_err(|m| Error::step(&location, m))?;
    Ok(Step {
        index,
        reason,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml(text: &str) -> Result<Migration> {
        parse_str("migrations/0003_x.toml", text, Format::Toml, 3, "x")
    }

    fn message(text: &str) -> String {
        toml(text).unwrap_err().to_string()
    }

    #[test]
    fn unbounded_input_is_refused_at_once() {
        let step = "[[step]]\nop = \"drop_table\"\ntable = \"t\"\n";
        let started = std::time::Instant::now();
        let many = step.repeat(MAX_STEPS + 1);
        assert!(message(&many).contains("1001 steps; a migration may have at most 1000"));
        assert!(toml(&step.repeat(MAX_STEPS)).is_ok());
        let huge = format!("description = \"{}\"\n{step}", "x".repeat(MAX_FILE_BYTES));
        assert!(message(&huge).contains("a migration may have at most 1048576"));
        let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep_yaml: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        let dashes = format!("{}x\n", "- ".repeat(100_000));
        for (text, format) in [
            (deep_json.as_str(), Format::Json),
            (deep_json.as_str(), Format::Toml),
            (deep_json.as_str(), Format::Yaml),
            (deep_yaml.as_str(), Format::Yaml),
            (dashes.as_str(), Format::Yaml),
        ] {
            let e = parse_str("f", text, format, 1, "x")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("nest") && e.contains("at most 64"),
                "{format:?}: {e}"
            );
        }
        // Strings that hold brackets nest nothing.
        assert!(toml(&format!("description = \"{}\"\n{step}", "[".repeat(200))).is_ok());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn the_three_formats_give_one_model_and_one_checksum() {
        let t = toml(
            r#"description = "d"
[[step]]
op = "change_type"
table = "users"
column = "age"
to = "int64"
"#,
        )
        .unwrap();
        let y = parse_str(
            "m.yaml",
            "description: d\nstep:\n  - op: change_type\n    table: users\n    column: age\n    to: int64\n",
            Format::Yaml,
            3,
            "x",
        )
        .unwrap();
        let j = parse_str(
            "m.json",
            r#"{"description":"d","steps":[{"op":"change_type","table":"users","column":"age","to":"int64","on_incompatible":"fail"}]}"#,
            Format::Json,
            3,
            "x",
        )
        .unwrap();
        assert_eq!(t.steps, y.steps);
        assert_eq!(t.steps, j.steps);
        assert_eq!(t.checksum, y.checksum);
        assert_eq!(
            t.checksum, j.checksum,
            "an explicit default is the same migration"
        );
        let changed = toml("description = \"d\"\n[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"age\"\nto = \"int32\"\n").unwrap();
        assert_ne!(t.checksum, changed.checksum);
    }

    #[test]
    fn errors_name_file_step_and_field() {
        assert_eq!(
            message("[[step]]\nop = \"drop_table\"\ntable = \"a\"\n[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"age\"\nto = \"int65\"\n"),
            format!(
                "migrations/0003_x.toml: step 2 (change_type): field `to`: unknown type \"int65\" (expected one of {})",
                crate::types::TYPE_NAMES
            )
        );
        assert!(message("[[step]]\nop = \"frobnicate\"\ntable = \"a\"\n")
            .starts_with("migrations/0003_x.toml: step 1 (frobnicate): unknown op \"frobnicate\" (expected one of create_table, drop_table"));
        assert_eq!(
            message("[[step]]\nop = \"drop_column\"\ntable = \"a\"\n"),
            "migrations/0003_x.toml: step 1 (drop_column): missing field `column`"
        );
        assert!(
            message("[[step]]\nop = \"drop_table\"\ntable = \"a\"\ntabel = \"b\"\n").starts_with(
                "migrations/0003_x.toml: step 1 (drop_table): unknown field `tabel`, expected"
            )
        );
        assert_eq!(
            message("[[step]]\ntable = \"a\"\n"),
            "migrations/0003_x.toml: step 1 (?): missing field `op`"
        );
        assert!(message("[[step]\nop = ").starts_with("migrations/0003_x.toml: invalid TOML:"));
        assert_eq!(
            message("[[step]]\nop = \"change_type\"\ntable = \"u\"\ncolumn = \"a\"\nto = \"text\"\non_incompatible = \"use_default\"\n"),
            "migrations/0003_x.toml: step 1 (change_type): field `default`: required when on_incompatible = \"use_default\""
        );
        assert!(message("[[step]]\nop = \"add_foreign_key\"\ntable = \"o\"\ncolumns = [\"u\"]\nreferences = { table = \"users\", columns = [\"id\"] }\norphans = \"ignore\"\n")
            .starts_with("migrations/0003_x.toml: step 1 (add_foreign_key): field `orphans`: unknown variant `ignore`"));
        assert_eq!(
            message("description = \"x\"\n"),
            "migrations/0003_x.toml: no steps (expected [[step]] entries)"
        );
    }

    #[test]
    fn hostile_names_parse_as_plain_names() {
        let m = toml("[[step]]\nop = \"drop_table\"\ntable = 'x\"; DROP TABLE y; --'\n").unwrap();
        let StepKind::DropTable(d) = &m.steps[0].kind else {
            panic!()
        };
        assert_eq!(d.table.name, "x\"; DROP TABLE y; --");
        assert_eq!(d.table.schema, None);
    }
}
