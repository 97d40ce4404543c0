//! `drop_foreign_key` on PostgreSQL: `DROP CONSTRAINT`; rollback re-adds it from
//! `pg_get_constraintdef`.

use strata_core::driver::CompileKind;
use strata_core::steps::DropForeignKey;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::Compiler;
use crate::sql::{ident, table as qtable};

impl CompileKind<DropForeignKey> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
        let c = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let tbl = qtable(&s.table);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop foreign key {} on {}", s.name, s.table),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} DROP CONSTRAINT {}",
                ident(&s.name)
            )),
        )
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} ADD CONSTRAINT {} {}",
            ident(&s.name),
            c.definition
        )))])
    }
}

strata_core::golden_test!("drop_foreign_key");
