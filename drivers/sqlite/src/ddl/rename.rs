//! What SQLite writes into `sqlite_master` for `ALTER TABLE … RENAME COLUMN` and `RENAME TO`
//! (`alter.c`: `renameColumnFunc`, `renameTableFunc`, `renameEditSql`), so that a later step of
//! the same migration starts from the text the engine will hold. Each function returns the
//! new text, or `None` when the statement does not change it. Where a trigger names the table
//! in a way strata cannot place (`trigger.rs`), its new text is unknown (`Unknown`), and
//! strata says so instead of guessing.

use std::ops::Range;

use super::lexer::{is_id_char, same_name};
use super::model::{
    ColumnConstraintKind, CreateTable, ForeignKeyClause, ItemKind, TableConstraintKind,
};
use super::refs::{column_refs, replace_spans, table_qualifiers, target};
pub use super::trigger::Unknown;
use crate::sql::ident;

/// How SQLite writes the new name over a token: bare when the `ALTER` statement spelled it
/// bare (`bare`) and the token was bare; otherwise in double quotes, with a space after when
/// a double quote follows (so `"a""` cannot merge).
fn written(sql: &str, token: &Range<usize>, new: &str, bare: bool) -> String {
    if bare && is_id_char(sql.as_bytes()[token.start]) {
        return new.to_owned();
    }
    let mut out = ident(new);
    if sql.as_bytes().get(token.end) == Some(&b'"') {
        out.push(' ');
    }
    out
}

fn changed(sql: &str, spans: Vec<Range<usize>>, new: &str, bare: bool) -> Option<String> {
    (!spans.is_empty()).then(|| replace_spans(sql, spans, |r| written(sql, r, new, bare)))
}

/// The parent columns named `old` of foreign keys to `parent`.
fn parent_columns(clause: &ForeignKeyClause, parent: &str, old: &str) -> Vec<Range<usize>> {
    if !same_name(&clause.table.value, parent) {
        return Vec::new();
    }
    clause
        .columns
        .iter()
        .filter(|n| same_name(&n.value, old))
        .map(|n| n.span.clone())
        .collect()
}

/// The renamed column's table: its definition, CHECK, generated and key expressions, key
/// and foreign-key column lists, and references to itself.
pub fn column_in_table(t: &CreateTable<'_>, old: &str, new: &str, bare: bool) -> Option<String> {
    let (sql, table) = (t.sql, t.name.value.as_str());
    let refs = |r: &Range<usize>| column_refs(sql, r.clone(), table, old);
    let mut spans = Vec::new();
    for item in &t.items {
        match &item.kind {
            ItemKind::Column(c) => {
                if same_name(&c.name.value, old) {
                    spans.push(c.name.span.clone());
                }
                for k in &c.constraints {
                    match &k.kind {
                        ColumnConstraintKind::Check { expr }
                        | ColumnConstraintKind::Generated { expr, .. } => {
                            spans.extend(refs(expr));
                        }
                        ColumnConstraintKind::References(clause) => {
                            spans.extend(parent_columns(clause, table, old));
                        }
                        _ => {}
                    }
                }
            }
            ItemKind::Constraint(k) => match &k.kind {
                TableConstraintKind::PrimaryKey { parts }
                | TableConstraintKind::Unique { parts } => {
                    for p in parts {
                        match &p.column {
                            Some(n) if same_name(&n.value, old) => spans.push(n.span.clone()),
                            Some(_) => {}
                            None => spans.extend(refs(&p.span)),
                        }
                    }
                }
                TableConstraintKind::Check { expr } => spans.extend(refs(expr)),
                TableConstraintKind::ForeignKey { columns, clause } => {
                    spans.extend(
                        columns
                            .iter()
                            .filter(|n| same_name(&n.value, old))
                            .map(|n| n.span.clone()),
                    );
                    spans.extend(parent_columns(clause, table, old));
                }
            },
        }
    }
    changed(sql, spans, new, bare)
}

/// Another table whose foreign keys reference `parent`'s renamed column.
pub fn column_in_references(
    t: &CreateTable<'_>,
    parent: &str,
    old: &str,
    new: &str,
    bare: bool,
) -> Option<String> {
    let spans = t
        .foreign_keys()
        .iter()
        .flat_map(|f| parent_columns(f.clause, parent, old))
        .collect();
    changed(t.sql, spans, new, bare)
}

/// An index on `table`: its column list and `WHERE`.
pub fn column_in_index(sql: &str, table: &str, old: &str, new: &str, bare: bool) -> Option<String> {
    let (on, name) = target(sql)?;
    if !same_name(&name, table) {
        return None;
    }
    changed(
        sql,
        column_refs(sql, on.end..sql.len(), table, old),
        new,
        bare,
    )
}

/// A trigger, for a renamed column of `table`.
pub fn column_in_trigger(
    sql: &str,
    table: &str,
    old: &str,
    new: &str,
    bare: bool,
) -> Result<Option<String>, Unknown> {
    Ok(changed(
        sql,
        super::trigger::column_refs(sql, table, old)?,
        new,
        bare,
    ))
}

/// The renamed table itself (SQLite always quotes a new table name): its name, foreign keys
/// to itself, and table-qualified names in its CHECKs.
pub fn table_in_table(t: &CreateTable<'_>, old: &str, new: &str) -> Option<String> {
    let mut spans = vec![t.name.span.clone()];
    for f in t.foreign_keys() {
        if same_name(&f.clause.table.value, old) {
            spans.push(f.clause.table.span.clone());
        }
    }
    for c in t.checks() {
        spans.extend(table_qualifiers(t.sql, c.expr, old));
    }
    changed(t.sql, spans, new, false)
}

/// Another table whose foreign keys reference the renamed one.
pub fn table_in_references(t: &CreateTable<'_>, old: &str, new: &str) -> Option<String> {
    let spans = t
        .foreign_keys()
        .iter()
        .filter(|f| same_name(&f.clause.table.value, old))
        .map(|f| f.clause.table.span.clone())
        .collect();
    changed(t.sql, spans, new, false)
}

/// An index of the renamed table: the table after `ON`, qualifiers in its expressions.
pub fn table_in_index(sql: &str, old: &str, new: &str) -> Option<String> {
    let (on, name) = target(sql)?;
    if !same_name(&name, old) {
        return None;
    }
    let mut spans = vec![on.clone()];
    spans.extend(table_qualifiers(sql, on.end..sql.len(), old));
    changed(sql, spans, new, false)
}

/// A trigger that names the renamed table.
pub fn table_in_trigger(sql: &str, old: &str, new: &str) -> Result<Option<String>, Unknown> {
    Ok(changed(
        sql,
        super::trigger::table_refs(sql, old)?,
        new,
        false,
    ))
}

#[cfg(test)]
#[path = "rename_tests.rs"]
mod tests;
