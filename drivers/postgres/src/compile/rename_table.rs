//! `rename_table` on PostgreSQL. Rollback renames back.
//!
//! Views, rules, policies and triggers store parse trees, not text: the server keeps them
//! valid across a rename, so nothing is dropped; the plan names them.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::RenameTable;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{Analyzer, Compiler};
use crate::sql::{ident, table as qtable};

pub fn analyze_table(ctx: StepContext<'_>, s: &RenameTable) -> Analysis {
    s.preflight(ctx.snapshot, &super::RULES)
        .map_or_else(Analysis::refused, Analysis::of_table)
}

impl AnalyzeKind<RenameTable> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Analysis> {
        Ok(analyze_table(ctx, s))
    }
}

impl CompileKind<RenameTable> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let renamed = s.table.with_name(&s.to);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("rename table {} to {}", s.table, s.to),
            Statement::Sql(format!(
                "ALTER TABLE {} RENAME TO {}",
                qtable(&s.table),
                ident(&s.to)
            )),
        )
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {} RENAME TO {}",
            qtable(&renamed),
            ident(&s.table.name)
        )))])
    }
}

strata_core::golden_test!("rename_table");
