//! `set_default` on SQLite: a rebuild with the `DEFAULT` clause in the column's definition.
//! Rollback rebuilds the table from its previous text.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetDefault;
use strata_core::{Action, Analysis, Result, StepContext};

use super::reshape::{check_reshape, compile_reshape};
use super::{Analyzer, Compiler};

impl AnalyzeKind<SetDefault> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, _: &SetDefault) -> Result<Analysis> {
        Ok(Analysis::of_checked(check_reshape(&ctx).map(|(t, _, _)| t)))
    }
}

impl CompileKind<SetDefault> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, _: &SetDefault) -> Result<Vec<Action>> {
        compile_reshape(ctx)
    }
}

strata_core::golden_test!("set_default");
