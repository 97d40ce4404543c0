//! `add_unique` on PostgreSQL: count duplicate keys first; `ADD CONSTRAINT … UNIQUE`.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddUnique;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{add_index::duplicates, refused, sized, Checked};
use super::{Analyzer, Compiler};
use crate::sql::{ident, idents, table as qtable};

fn check<'a>(ctx: &StepContext<'a>, s: &AddUnique) -> Checked<&'a strata_core::schema::Table> {
    s.preflight(ctx.snapshot, &super::RULES)
}

impl AnalyzeKind<AddUnique> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Analysis> {
        let counter = self.counter;
        let t = match check(&ctx, s) {
            Err(m) => return Ok(refused(m)),
            Ok(t) => t,
        };
        let mut a = sized(t);
        a.findings.push(duplicates(counter, t, &s.columns).await?);
        Ok(a)
    }
}

impl CompileKind<AddUnique> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Vec<Action>> {
        let t = check(&ctx, s).map_err(|m| ctx.error(m))?;
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
