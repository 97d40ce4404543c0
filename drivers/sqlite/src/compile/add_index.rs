//! `add_index` on SQLite: `CREATE [UNIQUE] INDEX`, refused while duplicates exist for a
//! unique one. Rollback drops the index.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddIndex;
use strata_core::{Action, Analysis, Result, StepContext};

use super::indexes::{analyze_add, compile_add};
use super::{Analyzer, Compiler};

impl AnalyzeKind<AddIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddIndex) -> Result<Analysis> {
        analyze_add(self.counter, ctx, &s.new_index()).await
    }
}

impl CompileKind<AddIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddIndex) -> Result<Vec<Action>> {
        compile_add(ctx, &s.new_index())
    }
}

strata_core::golden_test!("add_index");
