//! `assert` on PostgreSQL: the `postgres` query's row count must equal `expect_rows`.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::escape_hatch;
use strata_core::steps::Assert;
use strata_core::{Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler};

pub fn analyze(_ctx: StepContext<'_>, s: &Assert) -> Analysis {
    escape_hatch::analyze_assert(s, "postgres")
}

impl AnalyzeKind<Assert> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &Assert) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<Assert> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &Assert) -> Result<Vec<Action>> {
        escape_hatch::compile_assert(ctx, s, "postgres")
    }
}

strata_core::golden_test!("assert");
