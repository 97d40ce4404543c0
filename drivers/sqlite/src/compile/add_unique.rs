//! `add_unique` on SQLite: a unique index (SQLite cannot add a constraint to a table without
//! a rebuild), refused while duplicates exist. Rollback drops the index.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddUnique;
use strata_core::{Action, Analysis, Result, StepContext};

use super::indexes::{analyze_add, compile_add};
use super::{Analyzer, Compiler};

impl AnalyzeKind<AddUnique> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Analysis> {
        analyze_add(self.counter, ctx, &s.new_index()).await
    }
}

impl CompileKind<AddUnique> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddUnique) -> Result<Vec<Action>> {
        compile_add(ctx, &s.new_index())
    }
}

strata_core::golden_test!("add_unique");
