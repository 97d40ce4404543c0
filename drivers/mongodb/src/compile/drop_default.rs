//! `drop_default` on MongoDB: the default leaves strata's metadata. Rollback records it
//! again.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropDefault;
use strata_core::{Action, Analysis, Result, StepContext};

use super::columns::{compile_attribute, defaults_note};
use super::{Analyzer, Compiler, RULES};

impl AnalyzeKind<DropDefault> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropDefault) -> Result<Analysis> {
        Ok(defaults_note(Analysis::of_checked(
            RULES
                .table_column(ctx.snapshot, &s.table, &s.column)
                .map(|(t, _)| t),
        )))
    }
}

impl CompileKind<DropDefault> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropDefault) -> Result<Vec<Action>> {
        compile_attribute(
            ctx,
            &s.table,
            &s.column,
            "drop the recorded default of",
            |c| c.default = None,
        )
    }
}

strata_core::golden_test!("drop_default");
