//! Quoting for SQLite: identifiers in double quotes, strings in single quotes (each doubled).

use crate::dialect::Lite;
use strata_core::{QualifiedName, Value};
use strata_sql::Dialect;

/// `"name"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// SQLite's keywords (`keywordhash.h`, 147 of them in 3.46): a name spelled like one must be
/// quoted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// Whether `name` reads as itself unquoted: ASCII letters, digits and `_`, not starting
/// with a digit, and no keyword.
pub fn is_plain(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// `name` bare when it is plain, else `"name"`. Only for `RENAME COLUMN`: SQLite writes the
/// new name over every bare token in the style the statement spells it, so a bare spelling
/// keeps bare tokens bare, and renaming back gives the user's text back.
pub fn name(name: &str) -> String {
    if is_plain(name) {
        name.to_owned()
    } else {
        ident(name)
    }
}

/// `"table"` (SQLite attaches databases, not schemas: strata uses the main one).
pub fn table(name: &QualifiedName) -> String {
    ident(&name.name)
}

/// Quoted identifiers, comma-separated.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    Lite::idents(names)
}

/// `'text'`.
pub fn string(s: &str) -> String {
    Lite::string(s)
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
    Lite::join_on(left, right, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_bare_and_the_rest_is_quoted() {
        assert_eq!(name("user_id"), "user_id");
        assert_eq!(name("Order"), "\"Order\"");
        assert_eq!(name("2fa"), "\"2fa\"");
        assert_eq!(name("a b"), "\"a b\"");
        assert_eq!(name("prénom"), "\"prénom\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]) && KEYWORDS.len() == 147);
    }
}
