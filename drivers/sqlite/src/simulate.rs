//! The schema text each step leaves (`StepCompiler::simulate`): a migration's steps are compiled up
//! front, each against the schema the earlier ones will have made, and a rebuild starts from
//! the table's `CREATE TABLE` text and re-creates its indexes and triggers from theirs. So
//! after each step the snapshot holds exactly what `sqlite_master` will: the edited text of a
//! rebuilt table (the same function makes it for the compile), the text SQLite writes for
//! `ADD COLUMN` and the renames, the `CREATE INDEX` text strata runs. A text strata cannot
//! know is left out — `definition: None`, an empty index or trigger text — and a later step
//! that needs it is refused, never compiled from a guess. (The compiled rebuild also checks,
//! when it runs, that the engine holds the text it was compiled from.)

use strata_core::schema::{ConstraintKind, Index, Snapshot, Table};
use strata_core::steps::{RenameColumn, RenameTable, Step, StepKind};
use strata_core::QualifiedName;

use crate::compile;
use crate::ddl::{parse, rename, CreateTable};
use crate::sql::is_plain;

/// Brings `snapshot`'s texts up to date after `step`, whose portable effect core has applied.
pub fn simulate(step: &Step, snapshot: &mut Snapshot) {
    let kind = &step.kind;
    match kind {
        StepKind::CreateTable(s) => {
            if let Some(t) = table(snapshot, &s.table) {
                t.definition = Some(compile::create_sql(s));
                t.definition_stale = false;
            }
        }
        StepKind::AddColumn(s) => edit(snapshot, &s.table, |p| {
            compile::added_column(s, p.strict).map(|d| p.with_added_column(&d))
        }),
        StepKind::DropColumn(s) => edit(snapshot, &s.table, |p| p.without_column(&s.column)),
        StepKind::ChangeType(s) => edit(snapshot, &s.table, |p| compile::changed_type(p, s)),
        StepKind::SetNotNull(_)
        | StepKind::DropNotNull(_)
        | StepKind::SetDefault(_)
        | StepKind::DropDefault(_) => {
            if let Some(name) = kind.spec().table().cloned() {
                edit(snapshot, &name, |p| {
                    compile::reshaped(p, kind).unwrap_or_else(|| Ok(p.sql.to_owned()))
                });
            }
        }
        StepKind::AddForeignKey(s) => {
            edit(snapshot, &s.table, |p| compile::with_foreign_key(p, s));
            if let Some(t) = table(snapshot, &s.table) {
                let name = s.constraint_name();
                for c in t.constraints.iter_mut().filter(|c| c.name == name) {
                    c.definition = compile::foreign_key_sql(s);
                }
            }
        }
        StepKind::DropForeignKey(s) => edit(snapshot, &s.table, |p| {
            p.replacing_foreign_key(&s.name, None)
        }),
        StepKind::AddIndex(s) => {
            let name = s.index_name();
            if let Some(t) = table(snapshot, &s.table) {
                for i in t.indexes.iter_mut().filter(|i| i.name == name) {
                    i.definition = compile::index_sql(&s.table, &s.columns, &name, s.unique);
                }
                keep(t);
            }
        }
        StepKind::AddUnique(s) => {
            // On SQLite a unique key is a unique index, read back as one.
            let name = s.constraint_name();
            if let Some(t) = table(snapshot, &s.table) {
                t.constraints
                    .retain(|c| !(c.name == name && c.kind == ConstraintKind::Unique));
                t.indexes.push(Index {
                    definition: compile::index_sql(&s.table, &s.columns, &name, true),
                    name,
                    columns: s.columns.clone(),
                    unique: true,
                    valid: true,
                });
                keep(t);
            }
        }
        StepKind::DropIndex(s) => {
            if let Some(t) = table(snapshot, &s.table) {
                keep(t);
            }
        }
        StepKind::RenameColumn(s) => rename_column(snapshot, s),
        StepKind::RenameTable(s) => rename_table(snapshot, s),
        _ => {}
    }
}

fn table<'a>(snapshot: &'a mut Snapshot, name: &QualifiedName) -> Option<&'a mut Table> {
    snapshot.table_mut(&name.to_string())
}

/// The text is unchanged by the step.
fn keep(t: &mut Table) {
    t.definition_stale = t.definition.is_none();
}

/// The table's text after `change`; unknown (`None`) when it was, or cannot be read.
fn edit(
    snapshot: &mut Snapshot,
    name: &QualifiedName,
    change: impl FnOnce(&CreateTable<'_>) -> Result<String, String>,
) {
    let Some(t) = table(snapshot, name) else {
        return;
    };
    let Some(sql) = t.definition.take() else {
        t.definition_stale = true;
        return;
    };
    t.definition = parse(&sql).ok().and_then(|p| change(&p).ok());
    t.definition_stale = t.definition.is_none();
}

/// `ALTER TABLE … RENAME COLUMN`: the table's text and its indexes', the foreign keys of any
/// table that reference the column; a trigger that may use it becomes unknown.
fn rename_column(snapshot: &mut Snapshot, s: &RenameColumn) {
    // SQLite writes the new name as the statement spells it (`sql::name`).
    let (table, bare) = (&s.table.name, is_plain(&s.to));
    for t in snapshot.tables_mut() {
        let own = t.name == s.table;
        let text = t.definition.clone();
        let parsed = text.as_deref().map(parse);
        match parsed {
            Some(Ok(p)) => {
                let new = if own {
                    rename::column_in_table(&p, &s.column, &s.to, bare)
                } else {
                    rename::column_in_references(&p, table, &s.column, &s.to, bare)
                };
                if let Some(new) = new {
                    t.definition = Some(new);
                }
            }
            // An unreadable text may name the column anywhere.
            Some(Err(_)) | None if own => t.definition = None,
            _ => {}
        }
        if own {
            t.definition_stale = t.definition.is_none();
            for i in &mut t.indexes {
                if let Some(new) =
                    rename::column_in_index(&i.definition, table, &s.column, &s.to, bare)
                {
                    i.definition = new;
                }
            }
        }
        for tr in &mut t.triggers {
            match rename::column_in_trigger(&tr.definition, table, &s.column, &s.to, bare) {
                Ok(Some(changed)) => tr.definition = changed,
                Ok(None) => {}
                Err(_) => tr.definition.clear(),
            }
        }
    }
}

/// `ALTER TABLE … RENAME TO`, which strata runs with `legacy_alter_table = OFF`: the table's
/// own text and its indexes', other tables' foreign keys to it, the `ON` of its triggers; a
/// trigger whose body names the table becomes unknown.
fn rename_table(snapshot: &mut Snapshot, s: &RenameTable) {
    let (old, new) = (&s.table.name, &s.to);
    let renamed = s.table.with_name(new);
    for t in snapshot.tables_mut() {
        let own = t.name == renamed;
        let text = t.definition.clone();
        match text.as_deref().map(parse) {
            Some(Ok(p)) => {
                let changed = if own {
                    rename::table_in_table(&p, old, new)
                } else {
                    rename::table_in_references(&p, old, new)
                };
                if let Some(changed) = changed {
                    t.definition = Some(changed);
                }
            }
            Some(Err(_)) | None if own => t.definition = None,
            _ => {}
        }
        if own {
            t.definition_stale = t.definition.is_none();
            for i in &mut t.indexes {
                match rename::table_in_index(&i.definition, old, new) {
                    Some(changed) => i.definition = changed,
                    None => i.definition.clear(),
                }
            }
        }
        for tr in &mut t.triggers {
            match rename::table_in_trigger(&tr.definition, old, new) {
                Ok(Some(changed)) => tr.definition = changed,
                Ok(None) => {}
                Err(_) => tr.definition.clear(),
            }
        }
    }
}
