//! Quoting: every identifier strata sends is quoted here, every value rendered as a literal
//! here. The session runs with `NO_BACKSLASH_ESCAPES`, so a string literal is its text with
//! quotes doubled.

use crate::dialect::My;
use strata_core::{QualifiedName, Value};
use strata_sql::Dialect;

/// `` `name` ``, with embedded backticks doubled.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// `` `table` `` (a MySQL schema is a database; strata works in the connection's database).
pub fn table(name: &QualifiedName) -> String {
    My::table(name)
}

/// A comma-separated list of quoted identifiers.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    My::idents(names)
}

/// `text` with every quoted identifier `` `from` `` (compared as MySQL compares column names,
/// without case) written `` `to` ``; string literals (`'…'`, quotes doubled, as the session
/// writes them) are left as they are. For CHECK expressions and column definitions read from
/// `SHOW CREATE TABLE`, which quotes every identifier.
pub fn renamed_ident(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['`', '\'']) {
        out.push_str(&rest[..at]);
        let quote = rest.as_bytes()[at] as char;
        // The end of the quoted run: the next lone quote (a doubled one is part of it).
        let body = &rest[at + 1..];
        let mut end = None;
        let mut i = 0;
        while let Some(off) = body[i..].find(quote) {
            let q = i + off;
            if body[q + 1..].starts_with(quote) {
                i = q + 2;
            } else {
                end = Some(q);
                break;
            }
        }
        let Some(end) = end else {
            out.push_str(&rest[at..]);
            return out;
        };
        let name = &body[..end];
        if quote == '`' && name.replace("``", "`").to_lowercase() == from.to_lowercase() {
            out.push_str(&ident(to));
        } else {
            out.push_str(&rest[at..at + end + 2]);
        }
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    out
}

/// `'text'`, quotes doubled.
pub fn string(s: &str) -> String {
    My::string(s)
}

/// A migration-file literal as a SQL value.
pub fn literal(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => string(s),
        other => string(&other.to_string()),
    }
}

/// A migration-file literal as a SQL value for a column of type `ty`: a timestamp written
/// in RFC 3339 (`2024-02-29T23:59:59Z`, `…+00:00`) becomes the `2024-02-29 23:59:59` MySQL
/// reads (the session runs in UTC); everything else as [`literal`].
pub fn typed_literal(value: &serde_json::Value, ty: Option<strata_core::PortableType>) -> String {
    use strata_core::PortableType::{Timestamp, TimestampTz};
    match (ty, value) {
        (Some(Timestamp | TimestampTz), serde_json::Value::String(s)) => {
            let t = s
                .strip_suffix('Z')
                .or_else(|| s.strip_suffix("+00:00"))
                .unwrap_or(s);
            let t = match t.as_bytes().get(10) {
                Some(b'T') => format!("{} {}", &t[..10], &t[11..]),
                _ => t.to_owned(),
            };
            string(&t)
        }
        _ => literal(value),
    }
}

/// A portable value as a SQL value.
pub fn value(v: &Value) -> String {
    match v {
        Value::Bytes(b) if b.is_empty() => "''".into(),
        Value::Bytes(b) => format!(
            "X'{}'",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
        Value::Json(j) => string(&j.to_string()),
        Value::Float(f) if !f.is_finite() => "NULL".into(),
        other => literal(&other.to_literal()),
    }
}

/// `a.k1 = b.k1 AND a.k2 = b.k2`.
pub fn join_on(left: &str, right: &str, columns: &[String]) -> String {
    My::join_on(left, right, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_cannot_escape_their_quotes() {
        assert_eq!(ident("x`; DROP TABLE y; --"), "`x``; DROP TABLE y; --`");
        assert_eq!(string("it's \\ ok"), "'it''s \\ ok'");
        assert_eq!(literal(&serde_json::json!(42)), "42");
        assert_eq!(value(&Value::Bytes(vec![0, 255])), "X'00ff'");
    }

    #[test]
    fn renames_identifiers_and_leaves_literals() {
        assert_eq!(
            renamed_ident(
                "CONSTRAINT `c` CHECK (`Due` <> '`due`' and `due_x` > `due`)",
                "due",
                "d`2"
            ),
            "CONSTRAINT `c` CHECK (`d``2` <> '`due`' and `due_x` > `d``2`)"
        );
        assert_eq!(
            renamed_ident("CHECK (`o``b` <> 'it''s `o``b`')", "o`b", "n"),
            "CHECK (`n` <> 'it''s `o``b`')"
        );
        assert_eq!(
            renamed_ident("CHECK (`a` <> 'open", "a", "b"),
            "CHECK (`b` <> 'open"
        );
    }
}
