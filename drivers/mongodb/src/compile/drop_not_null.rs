//! `drop_not_null` on MongoDB: the validator stops requiring the field. Rollback requires it
//! again.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropNotNull;
use strata_core::{Action, Analysis, Result, StepContext};

use super::columns::compile_attribute;
use super::{Analyzer, Compiler, RULES};

impl AnalyzeKind<DropNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropNotNull) -> Result<Analysis> {
        Ok(Analysis::of_checked(
            RULES
                .table_column(ctx.snapshot, &s.table, &s.column)
                .map(|(t, _)| t),
        ))
    }
}

impl CompileKind<DropNotNull> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropNotNull) -> Result<Vec<Action>> {
        compile_attribute(ctx, &s.table, &s.column, "allow null in", |c| {
            c.nullable = true
        })
    }
}

strata_core::golden_test!("drop_not_null");
