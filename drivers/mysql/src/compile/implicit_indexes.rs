//! The indexes MySQL and MariaDB make by themselves for a foreign key, and drop by themselves.
//!
//! A foreign key needs an index whose first columns are its columns; when none exists the
//! server creates one, named after the key. When another index that can serve the key is
//! added later, the server silently drops the one it made
//! (<https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html>: "This index
//! might be silently dropped later if you create another index that can be used to enforce
//! the foreign key constraint"). An index the user made is never dropped this way, and the
//! catalog does not say which kind an index is: so strata expects the drop wherever the server
//! may do it, and makes the rollback put the index back only if it is gone. Without that, the
//! undo of the new index fails (error 1553: it is now the index the key needs).

use strata_core::schema::{Index, Table};
use strata_core::{Action, ActionKind, Statement, StepContext};

use super::index_exists;
use crate::sql::{ident, string, table as qtable};

/// 1 when no index of `table` starts with `columns` (so none can serve a foreign key on them).
fn served(table: &str, columns: &[String]) -> String {
    let starts: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "SUM(SEQ_IN_INDEX = {} AND COLUMN_NAME = {})",
                i + 1,
                string(c)
            )
        })
        .collect();
    format!(
        "SELECT 1 - LEAST(COUNT(*), 1) FROM (SELECT INDEX_NAME FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} GROUP BY INDEX_NAME HAVING {}) i",
        string(table),
        starts
            .iter()
            .map(|s| format!("{s} = 1"))
            .collect::<Vec<_>>()
            .join(" AND ")
    )
}

/// The indexes of `t` the server may drop once an index on `columns` exists: plain indexes on
/// exactly the columns of one of its foreign keys that the new index can serve, each with
/// that key's name.
pub fn superseded<'a>(t: &'a Table, columns: &[String]) -> Vec<(&'a Index, &'a str)> {
    t.indexes
        .iter()
        .filter(|i| !i.unique && !i.columns.is_empty() && columns.starts_with(&i.columns))
        .filter_map(|i| {
            t.constraints
                .iter()
                .filter(|c| c.references.is_some())
                .find(|fk| fk.columns == i.columns)
                .map(|fk| (i, fk.name.as_str()))
        })
        .collect()
}

/// What the plan says of each index the server may drop.
pub fn warnings(t: &Table, columns: &[String], new: &str) -> Vec<String> {
    superseded(t, columns)
        .into_iter()
        .map(|(i, fk)| {
            format!(
                "if the server made index {} of {} itself for foreign key {fk}, it drops it once {new} can serve the key; rollback re-creates it under its name",
                i.name, t.name
            )
        })
        .collect()
}

/// For each index the server may drop once `new` exists: a check, after `new` is built,
/// that the foreign key is still served by `new` or by the old index, whose inverse
/// re-creates the old index when it is gone, before `new` is dropped.
pub fn kept(ctx: &StepContext<'_>, t: &Table, columns: &[String], new: &str) -> Vec<Action> {
    let table = &t.name.name;
    superseded(t, columns)
        .into_iter()
        .map(|(i, fk)| {
            Action::check(
                ctx.step.index,
                ActionKind::Verify,
                format!(
                    "an index still serves foreign key {fk} (the server drops {} if it made it for the key, as {new} covers it; rollback re-creates it)",
                    i.name
                ),
                Statement::Sql(served(table, &i.columns)),
                0,
                format!("no index serves foreign key {fk}"),
            )
            .outside_transaction()
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {} ADD {}",
                qtable(&t.name),
                i.definition
            )))
            .with_undo_probe(Statement::Sql(index_exists(table, &i.name)))
        })
        .collect()
}

/// The indexes of `t` the server may replace once a foreign key `new` is added on `columns`:
/// the index it made for an existing key on exactly those columns, which it drops in favour
/// of one it makes for the new key, named after it.
fn replaced_by_key<'a>(t: &'a Table, columns: &[String], new: &str) -> Vec<(&'a Index, &'a str)> {
    superseded(t, columns)
        .into_iter()
        .filter(|(i, _)| i.columns == columns && i.name != new)
        .collect()
}

/// What the plan says of each index the server may replace for a new foreign key.
pub fn key_warnings(t: &Table, columns: &[String], new: &str) -> Vec<String> {
    replaced_by_key(t, columns, new)
        .into_iter()
        .map(|(i, fk)| {
            format!(
                "if the server made index {} of {} itself for foreign key {fk}, it replaces it with one named {new} for the new key; rollback renames it back",
                i.name, t.name
            )
        })
        .collect()
}

/// For each index the server may replace once the foreign key `new` exists: a check that
/// the key is served, whose inverse — before the key is dropped — renames the server's new
/// index back to the old index's name when the old one is gone.
pub fn renamed(ctx: &StepContext<'_>, t: &Table, columns: &[String], new: &str) -> Vec<Action> {
    let table = &t.name.name;
    replaced_by_key(t, columns, new)
        .into_iter()
        .map(|(i, fk)| {
            Action::check(
                ctx.step.index,
                ActionKind::Verify,
                format!(
                    "an index serves foreign keys {fk} and {new} (the server replaces {} with one named {new} if it made it; rollback renames it back)",
                    i.name
                ),
                Statement::Sql(served(table, &i.columns)),
                0,
                format!("no index serves foreign key {new}"),
            )
            .outside_transaction()
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {} RENAME INDEX {} TO {}",
                qtable(&t.name),
                ident(new),
                ident(&i.name)
            )))
            // Nothing to rename back when the old index is still there, or the server made
            // none for the new key (another index served it).
            .with_undo_probe(Statement::Sql(format!(
                "SELECT ({}) + (1 - ({}))",
                index_exists(table, &i.name),
                index_exists(table, new)
            )))
        })
        .collect()
}
