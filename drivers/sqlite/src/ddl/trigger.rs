//! Where a trigger names a table or one of its columns, the way SQLite's rename resolves
//! them (`renameColumnFunc`, `renameTableFunc` over a trigger): `NEW.col` and `OLD.col` and
//! `UPDATE OF col` of a trigger on the table; a column in a statement of the body that names
//! the table; the table as the target or source of a statement, or as a qualifier. What
//! strata cannot place — a bare column name in a statement that names the table, which may
//! be the table's column or another's — makes the answer `Unknown`, never a guess.

use std::ops::Range;

use super::lexer::{dequote, same_name, significant, Kind, Token};
use super::refs::target;

/// A text strata cannot predict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown;

fn names(t: &Token, sql: &str, name: &str) -> bool {
    matches!(t.kind, Kind::Word | Kind::Quoted) && same_name(&dequote(t.text(sql)), name)
}

/// The trigger's tokens: those before its body (`BEGIN`), and its body's statements.
fn parts(sql: &str) -> Result<(Vec<Token>, Vec<Vec<Token>>), Unknown> {
    let tokens = significant(sql).map_err(|_| Unknown)?;
    let begin = tokens
        .iter()
        .position(|t| t.is_word(sql, "BEGIN"))
        .ok_or(Unknown)?;
    let mut statements = vec![Vec::new()];
    for t in &tokens[begin + 1..] {
        if t.is_punct(sql, ";") {
            statements.push(Vec::new());
        } else {
            statements
                .last_mut()
                .expect("one statement at least")
                .push(t.clone());
        }
    }
    Ok((tokens[..begin].to_vec(), statements))
}

/// `NEW.col` or `OLD.col`: the token before the dot.
fn row_qualified(tokens: &[Token], i: usize, sql: &str) -> bool {
    i >= 2
        && tokens[i - 1].is_punct(sql, ".")
        && (tokens[i - 2].is_word(sql, "NEW") || tokens[i - 2].is_word(sql, "OLD"))
}

/// The tokens naming `table.column` in a trigger, which a `RENAME COLUMN` rewrites.
pub fn column_refs(sql: &str, table: &str, column: &str) -> Result<Vec<Range<usize>>, Unknown> {
    let on_table = target(sql).is_some_and(|(_, n)| same_name(&n, table));
    let (head, body) = parts(sql)?;
    let mut out = Vec::new();
    // The head: `CREATE TRIGGER name … [UPDATE OF cols] ON table [WHEN expr]`.
    let of = head.iter().position(|t| t.is_word(sql, "OF"));
    let on = head.iter().position(|t| t.is_word(sql, "ON"));
    let name_at = head
        .iter()
        .position(|t| t.is_word(sql, "TRIGGER"))
        .map(|i| {
            if head.get(i + 1).is_some_and(|t| t.is_word(sql, "IF")) {
                i + 4
            } else {
                i + 1
            }
        });
    for (i, t) in head.iter().enumerate() {
        if !names(t, sql, column) || Some(i) == name_at || Some(i) == on.map(|o| o + 1) {
            continue;
        }
        let in_update_of = of.is_some_and(|o| i > o) && on.is_some_and(|o| i < o);
        if in_update_of || row_qualified(&head, i, sql) {
            if on_table {
                out.push(t.span.clone());
            }
        } else {
            return Err(Unknown);
        }
    }
    for statement in &body {
        let about_table = statement.iter().any(|t| names(t, sql, table));
        for (i, t) in statement.iter().enumerate() {
            if !names(t, sql, column) {
                continue;
            }
            if row_qualified(statement, i, sql) {
                if on_table {
                    out.push(t.span.clone());
                }
            } else if about_table {
                return Err(Unknown);
            }
        }
    }
    Ok(out)
}

/// The tokens naming `table` in a trigger, which a `RENAME TO` rewrites: its `ON` target, the
/// target or source of a statement, a qualifier.
pub fn table_refs(sql: &str, table: &str) -> Result<Vec<Range<usize>>, Unknown> {
    let tokens = significant(sql).map_err(|_| Unknown)?;
    let on = target(sql).ok_or(Unknown)?.0;
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !names(t, sql, table) {
            continue;
        }
        let prev = i.checked_sub(1).map(|j| &tokens[j]);
        let placed = t.span == on
            || prev.is_some_and(|p| {
                ["UPDATE", "INTO", "FROM", "JOIN"]
                    .iter()
                    .any(|k| p.is_word(sql, k))
            })
            || tokens.get(i + 1).is_some_and(|n| n.is_punct(sql, "."));
        if !placed {
            return Err(Unknown);
        }
        out.push(t.span.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelled(sql: &str, r: Result<Vec<Range<usize>>, Unknown>) -> Result<Vec<&str>, Unknown> {
        r.map(|v| v.into_iter().map(|r| &sql[r]).collect())
    }

    #[test]
    fn columns_of_the_row_and_of_statements_on_other_tables() {
        let sql = "CREATE TRIGGER orders_touch AFTER UPDATE OF status, id ON orders WHEN NEW.status <> OLD.status BEGIN UPDATE users SET email = email WHERE id = NEW.user_id; INSERT INTO audit(status) VALUES (NEW.status); END";
        assert_eq!(
            spelled(sql, column_refs(sql, "orders", "status")),
            Ok(vec!["status", "status", "status", "status"])
        );
        // `id` in the UPDATE of users is users.id.
        assert_eq!(
            spelled(sql, column_refs(sql, "orders", "id")),
            Ok(vec!["id"])
        );
        assert_eq!(
            spelled(sql, column_refs(sql, "orders", "user_id")),
            Ok(vec!["user_id"])
        );
        // On another table, NEW is that table's row; `audit(status)` is audit's column, which
        // strata does not place.
        assert_eq!(column_refs(sql, "audit", "status"), Err(Unknown));
        assert_eq!(spelled(sql, column_refs(sql, "users", "id")), Err(Unknown));
        assert_eq!(spelled(sql, column_refs(sql, "users", "name")), Ok(vec![]));
    }

    #[test]
    fn a_bare_column_in_a_statement_on_the_table_is_unknown() {
        let sql = "CREATE TRIGGER u AFTER UPDATE ON users BEGIN UPDATE orders SET status = 'x' WHERE user_id = NEW.id; END";
        assert_eq!(column_refs(sql, "orders", "status"), Err(Unknown));
        assert_eq!(
            spelled(sql, column_refs(sql, "orders", "amount")),
            Ok(vec![])
        );
    }

    #[test]
    fn table_references_that_a_rename_rewrites() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON members BEGIN UPDATE members SET n = members.n + 1; INSERT INTO log SELECT id FROM members; END";
        assert_eq!(
            spelled(sql, table_refs(sql, "members")),
            Ok(vec!["members"; 4])
        );
        let odd = "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT members(1); END";
        assert_eq!(table_refs(odd, "members"), Err(Unknown));
    }
}
