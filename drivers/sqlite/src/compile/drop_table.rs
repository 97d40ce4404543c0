//! `drop_table` on SQLite: the table is copied to a verified backup first; rollback re-creates
//! it from its own `CREATE TABLE` text, with its indexes and triggers, and copies the rows back.

use strata_core::driver::CompileKind;
use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::steps::DropTable;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::autoincrement::counter_as_read;
use super::backup::backup;
use super::{Compiler, RULES};
use crate::sql::{idents, table as qtable};

/// The text `t` is re-created from when a rollback restores it, with its indexes' and
/// triggers' texts: all must be known.
fn restorable(t: &Table) -> Checked<&str> {
    let known = t.indexes.iter().all(|i| !i.definition.is_empty())
        && t.triggers.iter().all(|tr| !tr.definition.is_empty());
    match t.definition.as_deref() {
        Some(sql) if !t.definition_stale && known => Ok(sql),
        _ => Err(Refusal::new(
            RefusalKind::Unsupported,
            format!(
            "the CREATE TABLE text of \"{}\" (or of its indexes and triggers) after the earlier \
             steps of this migration is not known, and rollback re-creates the table from it; \
             run this step in a migration of its own",
            t.name
        ),
        )),
    }
}

impl CompileKind<DropTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
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
            let original = ctx.checked(restorable(t))?.to_owned();
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
}

strata_core::golden_test!("drop_table");
