//! `drop_index` on PostgreSQL: `DROP INDEX`; rollback re-creates it from `pg_get_indexdef`.

use strata_core::driver::CompileKind;
use strata_core::steps::DropIndex;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::{Checked, Compiler};
use crate::sql::table as qtable;

fn check<'a>(ctx: &StepContext<'a>, s: &DropIndex) -> Checked<&'a strata_core::schema::Index> {
    s.preflight(ctx.snapshot, &super::RULES).map(|(_, i)| i)
}

impl CompileKind<DropIndex> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let index = ctx.checked(check(&ctx, s))?;
        let name = s.table.with_name(&s.name);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop index {}", s.name),
            Statement::Sql(format!("DROP INDEX {}", qtable(&name))),
        )
        .with_inverse(Statement::Sql(index.definition.clone()))])
    }
}

strata_core::golden_test!("drop_index");
