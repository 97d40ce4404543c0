//! `sql` on SQLite: the user's statements, run in the migration's transaction, with the
//! `down` statements as their inverse.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Sql;
use strata_core::{escape_hatch, Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler};

impl AnalyzeKind<Sql> for Analyzer<'_> {
    async fn analyze(&self, _: StepContext<'_>, s: &Sql) -> Result<Analysis> {
        Ok(escape_hatch::analyze_sql(s, "sqlite"))
    }
}

impl CompileKind<Sql> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Sql) -> Result<Vec<Action>> {
        escape_hatch::compile_sql(ctx, s, "sqlite", true)
    }
}

strata_core::golden_test!("sql");
