//! Views and triggers that name a column or a table, for the steps that would break them.
//!
//! MySQL and MariaDB keep a view as its SQL text and resolve it when it is queried, and a
//! trigger's body likewise: a type change leaves them valid, but a column dropped or renamed
//! (or a table renamed) under them breaks them silently — the server only says so when they
//! are next used. The catalog records no column-level dependencies (MariaDB has no
//! `VIEW_COLUMN_USAGE`), so strata reads their text and looks for the names among its
//! identifiers: a view or trigger that names the table and the column is taken to use it.
//! That errs towards refusing (a same-named column of another table counts), never towards
//! breaking a view.

use strata_core::schema::Table;
use strata_core::Result;

use crate::connection::Session;
use crate::sql::string;

/// The identifiers of MySQL text, lower-cased: backquoted names and bare words, outside
/// string literals and comments.
fn identifiers(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let mut name = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '`' {
                    if chars.get(i + 1) == Some(&'`') {
                        name.push('`');
                        i += 2;
                        continue;
                    }
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            out.push(name.to_lowercase());
            i += 1;
        } else if c == '\'' || c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') || c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `sql` names every one of `wanted` (case-insensitively, as MySQL compares column
/// names) among its identifiers.
pub(crate) fn names(sql: &str, wanted: &[&str]) -> bool {
    let ids = identifiers(sql);
    wanted
        .iter()
        .all(|w| ids.iter().any(|i| *i == w.to_lowercase()))
}

/// Views and triggers that name `column` of `t` (`view v`, `trigger g on t`).
pub async fn naming_column(session: &Session, t: &Table, column: &str) -> Result<Vec<String>> {
    let table = t.name.name.as_str();
    let mut out: Vec<String> = views(session)
        .await?
        .into_iter()
        .filter(|(_, def)| names(def, &[table, column]))
        .map(|(v, _)| format!("view {v}"))
        .collect();
    for r in session
        .rows(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME",
        )
        .await?
    {
        let field = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
        let (name, on, body) = (field(0), field(1), field(2));
        let uses = if on.eq_ignore_ascii_case(table) {
            names(&body, &[column])
        } else {
            names(&body, &[table, column])
        };
        if uses {
            out.push(format!("trigger {name} on {on}"));
        }
    }
    Ok(out)
}

async fn views(session: &Session) -> Result<Vec<(String, String)>> {
    Ok(session
        .rows(&format!(
            "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> {} ORDER BY TABLE_NAME",
            string(strata_core::HISTORY_TABLE)
        ))
        .await?
        .into_iter()
        .map(|r| {
            let field = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            (field(0), field(1))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_skip_strings_and_comments() {
        let ids = identifiers(
            "select `o`.`User``Id` AS uid, 'amount' /* total */ from `db`.`orders` `o` -- amount\n where x = \"amount\"",
        );
        assert_eq!(
            ids,
            ["select", "o", "user`id", "as", "uid", "from", "db", "orders", "o", "where", "x"]
        );
    }

    #[test]
    fn a_view_names_a_column_only_as_an_identifier() {
        let def = "select `test`.`orders`.`id` AS `id` from `test`.`orders` where 'amount' > 1";
        assert!(names(def, &["orders", "id"]));
        assert!(!names(def, &["orders", "amount"]));
    }
}
