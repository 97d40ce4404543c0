//! `rename_table` and `rename_column` on PostgreSQL. Rollback renames back.

use strata_core::steps::{RenameColumn, RenameTable};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{refused, sized, Checked};
use crate::sql::{ident, table as qtable};

fn check_table<'a>(
    ctx: &StepContext<'a>,
    s: &RenameTable,
) -> Checked<&'a strata_core::schema::Table> {
    strata_core::preflight::rename_table(ctx, s, &super::RULES)
}

pub fn analyze_table(ctx: StepContext<'_>, s: &RenameTable) -> Analysis {
    check_table(&ctx, s).map_or_else(refused, sized)
}

pub fn compile_table(ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
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

fn check_column<'a>(
    ctx: &StepContext<'a>,
    s: &RenameColumn,
) -> Checked<&'a strata_core::schema::Table> {
    strata_core::preflight::rename_column(ctx, s, &super::RULES)
}

pub fn analyze_column(ctx: StepContext<'_>, s: &RenameColumn) -> Analysis {
    check_column(&ctx, s).map_or_else(refused, sized)
}

pub fn compile_column(ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
    let t = check_column(&ctx, s).map_err(|m| ctx.error(m))?;
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
