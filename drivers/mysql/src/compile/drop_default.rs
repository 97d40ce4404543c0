//! `drop_default` on MySQL. Rollback restores the column's definition exactly as `SHOW CREATE
//! TABLE` gave it.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropDefault;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::defaults::restore;
use super::{Analyzer, Compiler};
use crate::sql::{ident, table as qtable};

impl AnalyzeKind<DropDefault> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropDefault) -> Result<Analysis> {
        Ok(super::defaults::analyze(ctx, &s.table, &s.column))
    }
}

impl CompileKind<DropDefault> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropDefault) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(super::RULES.table_column(ctx.snapshot, &s.table, &s.column))?;
        let tbl = qtable(&t.name);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop default of {}.{}", t.name, c.name),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {} DROP DEFAULT",
                ident(&c.name)
            )),
        )
        .outside_transaction()
        .with_inverse(restore(&ctx, &tbl, c)?)])
    }
}

strata_core::golden_test!("drop_default");
