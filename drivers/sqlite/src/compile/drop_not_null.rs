//! `drop_not_null` on SQLite: a rebuild without `NOT NULL` in the column's definition.
//! Rollback rebuilds the table from its previous text.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropNotNull;
use strata_core::{Action, Analysis, Result, StepContext};

use super::reshape::{check_reshape, compile_reshape};
use super::{Analyzer, Compiler};

impl AnalyzeKind<DropNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, _: &DropNotNull) -> Result<Analysis> {
        Ok(Analysis::of_checked(check_reshape(&ctx).map(|(t, _, _)| t)))
    }
}

impl CompileKind<DropNotNull> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, _: &DropNotNull) -> Result<Vec<Action>> {
        compile_reshape(ctx)
    }
}

strata_core::golden_test!("drop_not_null");
