//! `create_table` and `drop_table` on SQLite.

use strata_core::preflight::{self, Checked};
use strata_core::schema::Table;
use strata_core::steps::{CreateTable, DropTable};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::backup::backup;
use super::RULES;
use crate::sql::{ident, idents, literal, table as qtable};
use crate::types;

/// The `CREATE TABLE` text strata writes for a new table (and `crate::simulate` records as
/// its definition, which later steps of the migration edit).
pub fn create_sql(s: &CreateTable) -> String {
    let mut defs: Vec<String> = s
        .columns
        .iter()
        .map(|c| {
            let mut d = format!("{} {}", ident(&c.name), types::native(c.ty));
            if !c.nullable && !c.primary_key {
                d.push_str(" NOT NULL");
            }
            if let Some(v) = &c.default {
                d.push_str(&format!(" DEFAULT {}", literal(v)));
            }
            d
        })
        .collect();
    let key: Vec<&String> = s
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| &c.name)
        .collect();
    if !key.is_empty() {
        defs.push(format!("PRIMARY KEY ({})", idents(&key)));
    }
    for c in s.columns.iter().filter(|c| c.unique) {
        defs.push(format!("UNIQUE ({})", ident(&c.name)));
    }
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        qtable(&s.table),
        defs.join(",\n  ")
    )
}

/// The text `t` is re-created from when a rollback restores it, with its indexes' and
/// triggers' texts: all must be known.
fn restorable(t: &Table) -> Checked<&str> {
    let known = t.indexes.iter().all(|i| !i.definition.is_empty())
        && t.triggers.iter().all(|tr| !tr.definition.is_empty());
    match t.definition.as_deref() {
        Some(sql) if !t.definition_stale && known => Ok(sql),
        _ => Err(format!(
            "the CREATE TABLE text of \"{}\" (or of its indexes and triggers) after the earlier \
             steps of this migration is not known, and rollback re-creates the table from it; \
             run this step in a migration of its own",
            t.name
        )),
    }
}

pub fn compile_create(ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
    s.preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
    let tbl = qtable(&s.table);
    Ok(vec![Action::new(ctx.step.index, ActionKind::Ddl, format!("create table {}", s.table), Statement::Sql(create_sql(s)))
        .with_inverse(Statement::Sql(format!("DROP TABLE {tbl}")))
        .with_undo_guard(
            Statement::Sql(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {tbl} LIMIT 1)")),
            format!("table {} holds rows written since the migration; rollback refuses to drop them (empty or drop the table by hand first)", s.table),
        )])
}

pub fn analyze_drop(ctx: StepContext<'_>, s: &DropTable) -> Result<Analysis> {
    Ok(match s.preflight(ctx.snapshot, &RULES) {
        Err(m) => Analysis::refused(m),
        Ok(t) => {
            let mut a = Analysis::of_table(t);
            let backup = s.backup.then(|| ctx.backup_name(&s.table, None));
            a.findings
                .push(preflight::dropped_rows_finding(t.rows, backup.as_ref()));
            a
        }
    })
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
    let t = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let mut actions = Vec::new();
    let mut drop = Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop table {}", t.name),
        Statement::Sql(format!("DROP TABLE {tbl}")),
    )
    .destructive();
    if s.backup {
        let bak = ctx.backup_name(&t.name, None);
        actions.extend(backup(
            &ctx,
            &bak,
            &format!("SELECT * FROM {tbl}"),
            &format!("every row of {}", t.name),
            &[],
        ));
        let original = restorable(t).map_err(|m| ctx.error(m))?.to_owned();
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let mut restore = vec![
            original,
            format!(
                "INSERT INTO {tbl} ({c}) SELECT {c} FROM {}",
                qtable(&bak),
                c = idents(&cols)
            ),
        ];
        restore.extend(t.indexes.iter().map(|i| i.definition.clone()));
        restore.extend(t.triggers.iter().map(|tr| tr.definition.clone()));
        // The copy back made a counter (the highest key); the table's own, which may be
        // higher, or none, replaces it.
        restore.extend(counter_as_read(t));
        drop = drop.with_inverse(Statement::Sql(restore.join(";\n")));
    }
    actions.push(drop);
    Ok(actions)
}

/// Whether `t` is an `AUTOINCREMENT` table, as its text says.
fn autoincrement(t: &Table) -> bool {
    t.definition
        .as_deref()
        .and_then(|d| crate::ddl::parse(d).ok())
        .is_some_and(|d| d.autoincrement())
}

/// `insert`, an `INSERT` into `t` of rows it held before (a restore), leaving `t`'s
/// `AUTOINCREMENT` counter as it is when the statement runs: SQLite makes or raises the
/// counter on any `INSERT`, even of no row, and a table that had no counter must not come
/// back with one (`0`). The counter is above every key the table ever held, so it needs no
/// raising for rows that were there.
pub(super) fn keeping_counter(t: &Table, insert: String) -> String {
    if !autoincrement(t) {
        return insert;
    }
    let name = crate::sql::string(&t.name.name);
    [
        "DROP TABLE IF EXISTS temp.strata_tmp_counter".to_owned(),
        format!(
            "CREATE TEMP TABLE strata_tmp_counter AS SELECT seq FROM main.sqlite_sequence WHERE name = {name}"
        ),
        insert,
        format!("DELETE FROM main.sqlite_sequence WHERE name = {name}"),
        format!(
            "INSERT INTO main.sqlite_sequence (name, seq) SELECT {name}, seq FROM temp.strata_tmp_counter"
        ),
        "DROP TABLE temp.strata_tmp_counter".to_owned(),
    ]
    .join(";\n")
}

/// The statements putting `t`'s `AUTOINCREMENT` counter back as it was read: an `INSERT`
/// into the table (a restore, a placeholder) makes or raises it, even with no row.
pub(super) fn counter_as_read(t: &Table) -> Vec<String> {
    if !autoincrement(t) {
        return Vec::new();
    }
    let name = crate::sql::string(&t.name.name);
    let mut out = vec![format!("DELETE FROM sqlite_sequence WHERE name = {name}")];
    if let Some(v) = t.sequences.iter().find_map(|s| s.last_value) {
        out.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ({name}, {v})"
        ));
    }
    out
}
