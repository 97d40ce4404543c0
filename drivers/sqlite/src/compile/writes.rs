//! What a write into many rows (a `backfill`, a `set_not_null` fill, the converted values of a
//! `change_type`) must not break on SQLite besides the unique and foreign keys core counts
//! (`strata_core::writes`): the table's CHECK constraints. SQLite evaluates them on each
//! written row and stops the statement at the first that fails; each CHECK that names a
//! written column is counted first, on the rows as the write would leave them.

use strata_core::schema::Table;
use strata_core::writes::Conflict;

use crate::ddl::lexer::same_name;
use crate::ddl::parse;
use crate::ddl::refs::column_refs;
use crate::sql::{ident, table as qtable};

/// The counts that must be 0 before `writes` (column → SQL value over the row aliased `c`) go
/// into the rows of `t` that `filter` selects: one per CHECK of `t`'s text that names a
/// written column, evaluated over a derived table of those rows with the written values in
/// place, under the table's own name (so that `t.col` in the CHECK resolves as well). As in
/// SQLite, a CHECK fails when its expression is false, not when it is NULL. Nothing is
/// counted where the text is not known (a rebuild refuses then anyway).
pub fn broken_checks(t: &Table, writes: &[(String, String)], filter: &str) -> Vec<Conflict> {
    let Some(text) = t
        .definition
        .as_deref()
        .filter(|_| !t.definition_stale)
        .and_then(|d| parse(d).ok())
    else {
        return Vec::new();
    };
    let table = &t.name.name;
    let row: Vec<String> = text
        .columns()
        .map(|(_, c)| {
            let name = &c.name.value;
            match writes.iter().find(|(w, _)| same_name(w, name)) {
                Some((_, v)) => format!("({v}) AS {}", ident(name)),
                None => format!("c.{}", ident(name)),
            }
        })
        .collect();
    let written: Vec<&str> = writes.iter().map(|(c, _)| c.as_str()).collect();
    text.checks()
        .into_iter()
        .filter(|k| {
            written
                .iter()
                .any(|w| !column_refs(text.sql, k.expr.clone(), table, w).is_empty())
        })
        .map(|k| {
            let expr = &text.sql[k.expr.clone()];
            Conflict {
                count: format!(
                    "SELECT COUNT(*) FROM (SELECT {} FROM {} c WHERE {filter}) AS {} WHERE NOT ({expr})",
                    row.join(", "),
                    qtable(&t.name),
                    ident(table)
                ),
                refusal: format!(
                    "the value written into {} fails CHECK {} ({expr}) of \"{}\"; write a value it accepts",
                    written.join(", "),
                    k.name,
                    t.name
                ),
            }
        })
        .collect()
}
