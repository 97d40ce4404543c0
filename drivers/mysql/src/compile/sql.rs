//! `sql` on MySQL: the `mysql` text, with `down.mysql` as its inverse; it may hold DDL, which commits implicitly, so it cannot share a transaction with its journal entry.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::escape_hatch;
use strata_core::steps::Sql;
use strata_core::{Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler};

pub fn analyze(_ctx: StepContext<'_>, s: &Sql) -> Analysis {
    escape_hatch::analyze_sql(s, "mysql")
}

impl AnalyzeKind<Sql> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &Sql) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<Sql> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Sql) -> Result<Vec<Action>> {
        escape_hatch::compile_sql(ctx, s, "mysql", false)
    }
}

strata_core::golden_test!("sql");
