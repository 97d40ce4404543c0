//! `add_unique` on MySQL: duplicates counted first; `ADD CONSTRAINT … UNIQUE` (a unique
//! index, built online). Rollback drops it, after re-creating any index the server made for a
//! foreign key and dropped because the new one covers it (see `implicit_indexes`).

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddUnique;
use strata_core::{Action, Analysis, Result, StepContext};

use super::{implicit_indexes, online, Analyzer, Compiler, ONLINE};
use crate::sql::{ident, idents, table as qtable};

impl AnalyzeKind<AddUnique> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        let mut a = Analysis::of_table(t);
        a.warnings.extend(implicit_indexes::warnings(
            t,
            &s.columns,
            &s.constraint_name(),
        ));
        a.findings
            .push(strata_sql::duplicates_finding(counter, t, &s.columns).await?);
        Ok(a)
    }
}

impl CompileKind<AddUnique> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let name = s.constraint_name();
        let tbl = qtable(&t.name);
        let mut actions = vec![super::add_index::no_duplicates(&ctx, t, &s.columns)];
        actions.extend(super::add_index::build(
            &ctx,
            t,
            &name,
            &s.columns,
            online(format!(
                "add unique constraint {name} on {}({})",
                t.name,
                s.columns.join(", ")
            )),
            format!(
                "ALTER TABLE {tbl} ADD CONSTRAINT {} UNIQUE ({}){ONLINE}",
                ident(&name),
                idents(&s.columns)
            ),
        ));
        Ok(actions)
    }
}

strata_core::golden_test!("add_unique");
