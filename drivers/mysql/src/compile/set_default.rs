//! `set_default` on MySQL. Rollback restores the column's definition exactly as `SHOW CREATE
//! TABLE` gave it.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetDefault;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::create_table::default_clause;
use super::defaults::restore;
use super::{Analyzer, Compiler};
use crate::sql::{ident, table as qtable};

impl AnalyzeKind<SetDefault> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetDefault) -> Result<Analysis> {
        Ok(super::defaults::analyze(ctx, &s.table, &s.column))
    }
}

impl CompileKind<SetDefault> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &SetDefault) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(super::RULES.table_column(ctx.snapshot, &s.table, &s.column))?;
        let tbl = qtable(&t.name);
        let clause = default_clause(
            c.portable.unwrap_or(strata_core::PortableType::Int64),
            &s.value,
        );
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("set default of {}.{}", t.name, c.name),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {} SET{}",
                ident(&c.name),
                clause
            )),
        )
        .outside_transaction()
        .with_inverse(restore(&ctx, &tbl, c)?)])
    }
}

strata_core::golden_test!("set_default");
