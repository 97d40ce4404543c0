//! Quoting: every identifier strata sends is quoted here, every value rendered as a literal
//! here. Nothing from a migration file is spliced into SQL any other way.

use strata_core::{QualifiedName, Value};

/// `"name"`, with embedded quotes doubled.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."table"` or `"table"`.
pub fn table(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(&name.name)),
        None => ident(&name.name),
    }
}

/// A comma-separated list of quoted identifiers.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `'text'`, with embedded quotes doubled (the session runs with
/// `standard_conforming_strings = on`, so backslashes are literal).
pub fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A migration-file literal as a SQL value of `native_type`.
pub fn literal(value: &serde_json::Value, native_type: &str) -> String {
    match value {
        serde_json::Value::Null => format!("NULL::{native_type}"),
        serde_json::Value::Bool(b) => {
            format!("{}::{native_type}", if *b { "TRUE" } else { "FALSE" })
        }
        serde_json::Value::Number(n) => format!("{}::{native_type}", string(&n.to_string())),
        serde_json::Value::String(s) => format!("{}::{native_type}", string(s)),
        other => format!("{}::{native_type}", string(&other.to_string())),
    }
}

/// A portable value as a SQL value of `native_type`.
pub fn value(v: &Value, native_type: &str) -> String {
    match v {
        Value::Bytes(b) => format!("{}::{native_type}", string(&format!("\\x{}", hex(b)))),
        Value::Json(j) => format!("{}::{native_type}", string(&j.to_string())),
        other => literal(&other.to_literal(), native_type),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `a."k1" = b."k1" AND a."k2" = b."k2"`.
pub fn join_on(left: &str, right: &str, columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("{left}.{q} = {right}.{q}", q = ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_cannot_escape_their_quotes() {
        assert_eq!(
            ident("x\"; DROP TABLE y; --"),
            "\"x\"\"; DROP TABLE y; --\""
        );
        assert_eq!(string("it's"), "'it''s'");
        let n: QualifiedName = "billing.in\"voices".parse().unwrap();
        assert_eq!(table(&n), "\"billing\".\"in\"\"voices\"");
        assert_eq!(literal(&serde_json::json!("a'b"), "text"), "'a''b'::text");
        assert_eq!(literal(&serde_json::json!(42), "bigint"), "'42'::bigint");
        assert_eq!(literal(&serde_json::Value::Null, "text"), "NULL::text");
    }
}
