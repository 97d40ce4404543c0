//! Quoting: every identifier strata sends is quoted here, every value rendered as a literal
//! here. Nothing from a migration file is spliced into SQL any other way.

use crate::dialect::Pg;
use strata_core::{QualifiedName, Value};
use strata_sql::Dialect;

/// `"name"`, with embedded quotes doubled.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."table"` or `"table"`.
pub fn table(name: &QualifiedName) -> String {
    Pg::table(name)
}

/// A comma-separated list of quoted identifiers.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    Pg::idents(names)
}

/// `'text'`, with embedded quotes doubled (the session runs with
/// `standard_conforming_strings = on`, so backslashes are literal).
pub fn string(s: &str) -> String {
    Pg::string(s)
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
    Pg::join_on(left, right, columns)
}

/// SQL text (as PostgreSQL prints it) with every reference to the column `old` — bare or
/// quoted, qualified or not, outside string literals, not a function call — replaced by
/// `with` (a quoted new name, or an expression).
pub fn replace_column(sql: &str, old: &str, with: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.extend(&chars[start..i]);
        } else if c == '"' {
            let start = i;
            let mut name = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        name.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            i = (i + 1).min(chars.len());
            if name == old && chars.get(i) != Some(&'(') {
                out.push_str(with);
            } else {
                out.extend(&chars[start..i]);
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word == old && chars.get(i) != Some(&'(') {
                out.push_str(with);
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
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
