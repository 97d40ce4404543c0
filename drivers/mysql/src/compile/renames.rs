//! `rename_table` and `rename_column` on MySQL. Rollback renames back.

use strata_core::steps::{RenameColumn, RenameTable};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{column_absent, column_exists, refused, sized, table_absent, table_exists, Checked};
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

/// 1 when `present` exists and `gone` does not.
fn swapped(present: String, gone: String) -> String {
    format!("SELECT ({present}) * ({gone})")
}

pub fn compile_table(ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
    check_table(&ctx, s).map_err(|m| ctx.error(m))?;
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
    let (tbl, name) = (qtable(&t.name), &t.name.name);
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
    .outside_transaction()
    .with_probe(Statement::Sql(swapped(
        column_exists(name, &s.to),
        column_absent(name, &s.column),
    )))
    .with_inverse(Statement::Sql(format!(
        "ALTER TABLE {tbl} RENAME COLUMN {} TO {}",
        ident(&s.to),
        ident(&s.column)
    )))
    .with_undo_probe(Statement::Sql(swapped(
        column_exists(name, &s.column),
        column_absent(name, &s.to),
    )))])
}
