//! `add_unique` on MongoDB: a unique index, refused while duplicates exist. Rollback drops it.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddUnique;
use strata_core::{Action, Analysis, Result, StepContext};

use super::keys::{analyze_add_index, compile_add_index};
use super::{Analyzer, Compiler};

impl AnalyzeKind<AddUnique> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Analysis> {
        analyze_add_index(self.session, ctx, &s.new_index()).await
    }
}

impl CompileKind<AddUnique> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Vec<Action>> {
        compile_add_index(ctx, &s.new_index())
    }
}

strata_core::golden_test!("add_unique");
