//! `set_default` on MongoDB, which applies no defaults: strata records it in its metadata
//! (where `add_column` and `backfill` read it). Rollback records the previous one.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetDefault;
use strata_core::{Action, Analysis, Result, StepContext};

use super::columns::{compile_attribute, defaults_note};
use super::{Analyzer, Compiler, RULES};

impl AnalyzeKind<SetDefault> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetDefault) -> Result<Analysis> {
        Ok(defaults_note(Analysis::of_checked(
            RULES
                .table_column(ctx.snapshot, &s.table, &s.column)
                .map(|(t, _)| t),
        )))
    }
}

impl CompileKind<SetDefault> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &SetDefault) -> Result<Vec<Action>> {
        compile_attribute(ctx, &s.table, &s.column, "record a default for", |c| {
            c.default = Some(s.value.clone())
        })
    }
}

strata_core::golden_test!("set_default");
