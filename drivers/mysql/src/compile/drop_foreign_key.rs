//! `drop_foreign_key` on MySQL; rollback re-adds it from its `SHOW CREATE TABLE` line, and
//! renames back the index the server may make for it anew.

use strata_core::driver::CompileKind;
use strata_core::steps::DropForeignKey;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::{constraint_absent, constraint_exists, Compiler};
use crate::sql::{ident, table as qtable};

impl CompileKind<DropForeignKey> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
        let c = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let tbl = qtable(&s.table);
        let t = ctx.snapshot.table(&s.table).expect("checked");
        // Re-adding the key on rollback makes the server replace the index it made for the key
        // with one named after it: renamed back after the re-add (see `implicit_indexes`).
        let mut actions = super::implicit_indexes::renamed(&ctx, t, &c.columns, &s.name);
        actions.push(
            Action::new(
                ctx.step.index,
                ActionKind::Ddl,
                format!("drop foreign key {} on {}", s.name, s.table),
                Statement::Sql(format!(
                    "ALTER TABLE {tbl} DROP FOREIGN KEY {}",
                    ident(&s.name)
                )),
            )
            .outside_transaction()
            .with_probe(Statement::Sql(constraint_absent(&s.table.name, &s.name)))
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {tbl} ADD {}",
                c.definition
            )))
            .with_undo_probe(Statement::Sql(constraint_exists(&s.table.name, &s.name))),
        );
        Ok(actions)
    }
}

strata_core::golden_test!("drop_foreign_key");
