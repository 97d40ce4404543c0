//! `rename_table` on PostgreSQL. Rollback renames back.
//!
//! Views, rules, policies and triggers store parse trees, not text: the server keeps them
//! valid across a rename, so nothing is dropped; the plan names them.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::RenameTable;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{refused, sized, Analyzer, Checked, Compiler};
use crate::sql::{ident, table as qtable};

fn check_table<'a>(
    ctx: &StepContext<'a>,
    s: &RenameTable,
) -> Checked<&'a strata_core::schema::Table> {
    s.preflight(ctx.snapshot, &super::RULES)
}

pub fn analyze_table(ctx: StepContext<'_>, s: &RenameTable) -> Analysis {
    check_table(&ctx, s).map_or_else(refused, sized)
}

impl AnalyzeKind<RenameTable> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Analysis> {
        Ok(analyze_table(ctx, s))
    }
}

impl CompileKind<RenameTable> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
        check_table(&ctx, s).map_err(|m| ctx.error(m))?;
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
