//! `rename_column` on PostgreSQL. Rollback renames back.
//!
//! Views, rules, policies and triggers store parse trees, not text: the server keeps them
//! valid across a rename (they read the renamed column under its new name, and a view keeps
//! its own column names), so nothing is dropped; the plan names them.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::RenameColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{Analyzer, Compiler};
use crate::sql::{ident, table as qtable};

impl AnalyzeKind<RenameColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Analysis> {
        let session = self.counter.source;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        let mut a = Analysis::of_table(t);
        let users = crate::dependents::names_of_column(session, t, &s.column).await?;
        if !users.is_empty() {
            a.warnings.push(format!(
            "{} use column \"{}\": PostgreSQL keeps them valid across the rename (they read \"{}\" from then on; views keep their own column names)",
            users.join(", "),
            s.column,
            s.to
        ));
        }
        Ok(a)
    }
}

impl CompileKind<RenameColumn> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let tbl = qtable(&t.name);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("rename column {}.{} to {}", t.name, s.column, s.to),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} RENAME COLUMN {} TO {}",
                ident(&s.column),
                ident(&s.to)
            )),
        )
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} RENAME COLUMN {} TO {}",
            ident(&s.to),
            ident(&s.column)
        )))])
    }
}

strata_core::golden_test!("rename_column");
