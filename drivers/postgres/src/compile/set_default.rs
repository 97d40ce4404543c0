//! `set_default` on PostgreSQL. Rollback restores the previous default expression exactly as
//! the catalog held it.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetDefault;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::defaults::restore;
use super::{Analyzer, Compiler};
use crate::sql::{ident, literal, table as qtable};

impl AnalyzeKind<SetDefault> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetDefault) -> Result<Analysis> {
        Ok(super::defaults::analyze(ctx, &s.table, &s.column))
    }
}

impl CompileKind<SetDefault> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &SetDefault) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(super::RULES.table_column(ctx.snapshot, &s.table, &s.column))?;
        let (tbl, col) = (qtable(&t.name), ident(&c.name));
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("set default of {}.{}", t.name, c.name),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {}",
                literal(&s.value, &c.native_type)
            )),
        )
        .with_inverse(restore(&tbl, &col, c.default.as_ref()))])
    }
}

strata_core::golden_test!("set_default");
