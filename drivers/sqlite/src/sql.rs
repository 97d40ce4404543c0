//! Quoting for SQLite: identifiers in double quotes, strings in single quotes (each doubled).

use strata_core::{QualifiedName, Value};

/// `"name"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"table"` (SQLite attaches databases, not schemas: strata uses the main one).
pub fn table(name: &QualifiedName) -> String {
    ident(&name.name)
}

/// Quoted identifiers, comma-separated.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `'text'`.
pub fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A migration-file literal.
pub fn literal(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::Bool(b) => if *b { "1" } else { "0" }.into(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => string(s),
        other => string(&other.to_string()),
    }
}

/// A portable value.
pub fn value(v: &Value) -> String {
    match v {
        Value::Bytes(b) => format!(
            "X'{}'",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
        Value::Json(j) => string(&j.to_string()),
        other => literal(&other.to_literal()),
    }
}

/// `a."k" = b."k" AND …`.
pub fn join_on(left: &str, right: &str, columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("{left}.{q} = {right}.{q}", q = ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ")
}
