//! `add_unique` on PostgreSQL: count duplicate keys first; `ADD CONSTRAINT … UNIQUE`.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddUnique;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{Analyzer, Compiler};
use crate::sql::{ident, idents, table as qtable};

impl AnalyzeKind<AddUnique> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        let mut a = Analysis::of_table(t);
        a.findings
            .push(strata_sql::duplicates_finding(counter, t, &s.columns).await?);
        Ok(a)
    }
}

impl CompileKind<AddUnique> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let name = s.constraint_name();
        let tbl = qtable(&t.name);
        Ok(vec![
            super::add_index::no_duplicates(&ctx, t, &s.columns),
            Action::new(
                ctx.step.index,
                ActionKind::Ddl,
                format!(
                    "add unique constraint {name} on {}({})",
                    t.name,
                    s.columns.join(", ")
                ),
                Statement::Sql(format!(
                    "ALTER TABLE {tbl} ADD CONSTRAINT {} UNIQUE ({})",
                    ident(&name),
                    idents(&s.columns)
                )),
            )
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {tbl} DROP CONSTRAINT IF EXISTS {}",
                ident(&name)
            ))),
        ])
    }
}

strata_core::golden_test!("add_unique");
