//! `sql` on PostgreSQL: the `postgres` text, with `down.postgres` as its inverse.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::escape_hatch;
use strata_core::steps::Sql;
use strata_core::{Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler};

pub fn analyze(_ctx: StepContext<'_>, s: &Sql) -> Analysis {
    escape_hatch::analyze_sql(s, "postgres")
}

impl AnalyzeKind<Sql> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &Sql) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<Sql> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &Sql) -> Result<Vec<Action>> {
        escape_hatch::compile_sql(ctx, s, "postgres", true)
    }
}

strata_core::golden_test!("sql");
