//! `drop_index` on SQLite. Rollback re-creates the index from the text `sqlite_master` kept.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropIndex;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{Analyzer, Compiler, RULES};
use crate::sql::ident;

impl AnalyzeKind<DropIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Analysis> {
        Ok(super::of(s.preflight(ctx.snapshot, &RULES).map(|(t, _)| t)))
    }
}

impl CompileKind<DropIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let (_, index) = s
            .preflight(ctx.snapshot, &RULES)
            .map_err(|m| ctx.error(m))?;
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop index {}", s.name),
            Statement::Sql(format!("DROP INDEX {}", ident(&s.name))),
        )
        .with_inverse(Statement::Sql(index.definition.clone()))])
    }
}

strata_core::golden_test!("drop_index");
