//! `drop_index` on MongoDB (`dropIndexes`). Rollback re-creates the index from its spec.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropIndex;
use strata_core::{Action, Analysis, Result, StepContext};

use super::keys::drop_index;
use super::{indexes, Analyzer, Compiler, RULES};

impl AnalyzeKind<DropIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Analysis> {
        Ok(super::of(s.preflight(ctx.snapshot, &RULES).map(|(t, _)| t)))
    }
}

impl CompileKind<DropIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let (t, index) = s
            .preflight(ctx.snapshot, &RULES)
            .map_err(|m| ctx.error(m))?;
        let spec = indexes::spec_of(index).ok_or_else(|| {
            ctx.error(format!(
                "index {} of {} has no spec strata could re-create it from",
                s.name, t.name
            ))
        })?;
        Ok(vec![drop_index(&ctx, t, &s.name, spec, None)])
    }
}

strata_core::golden_test!("drop_index");
