//! `rename_table` on MySQL. Rollback renames back.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::RenameTable;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{table_absent, table_exists, Analyzer, Checked, Compiler};
use crate::sql::table as qtable;

fn check_table<'a>(
    ctx: &StepContext<'a>,
    s: &RenameTable,
) -> Checked<&'a strata_core::schema::Table> {
    let t = s.preflight(ctx.snapshot, &super::RULES)?;
    // A view keeps the old name in its text and breaks; the server does not rewrite it.
    if !t.dependents.is_empty() {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "{} name table \"{}\" and would break: MySQL does not rewrite views when a table is renamed; drop them first (sql step) and re-create them after",
            t.dependents.join(", "),
            t.name
        )));
    }
    Ok(t)
}

pub fn analyze_table(ctx: StepContext<'_>, s: &RenameTable) -> Analysis {
    check_table(&ctx, s).map_or_else(Analysis::refused, Analysis::of_table)
}

impl AnalyzeKind<RenameTable> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Analysis> {
        Ok(analyze_table(ctx, s))
    }
}

/// 1 when `present` exists and `gone` does not.
pub(super) fn swapped(present: String, gone: String) -> String {
    format!("SELECT ({present}) * ({gone})")
}

impl CompileKind<RenameTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
        ctx.checked(check_table(&ctx, s))?;
        let (old, new) = (&s.table.name, &s.to);
        let renamed = s.table.with_name(new);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("rename table {old} to {new}"),
            Statement::Sql(format!(
                "RENAME TABLE {} TO {}",
                qtable(&s.table),
                qtable(&renamed)
            )),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(swapped(
            table_exists(new),
            table_absent(old),
        )))
        .with_inverse(Statement::Sql(format!(
            "RENAME TABLE {} TO {}",
            qtable(&renamed),
            qtable(&s.table)
        )))
        .with_undo_probe(Statement::Sql(swapped(
            table_exists(old),
            table_absent(new),
        )))])
    }
}

strata_core::golden_test!("rename_table");
