//! `assert` on SQLite: the user's query, which must return the expected count.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Assert;
use strata_core::{escape_hatch, Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler};

impl AnalyzeKind<Assert> for Analyzer<'_> {
    async fn analyze(&self, _: StepContext<'_>, s: &Assert) -> Result<Analysis> {
        Ok(escape_hatch::analyze_assert(s, "sqlite"))
    }
}

impl CompileKind<Assert> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Assert) -> Result<Vec<Action>> {
        escape_hatch::compile_assert(ctx, s, "sqlite")
    }
}

strata_core::golden_test!("assert");
