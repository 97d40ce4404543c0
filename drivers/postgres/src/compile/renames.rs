//! `rename_table` and `rename_column` on PostgreSQL. Rollback renames back.
//!
//! Views, rules, policies and triggers store parse trees, not text: the server keeps them
//! valid across a rename (they read the renamed column under its new name, and a view keeps
//! its own column names), so nothing is dropped; the plan names them.

use strata_core::steps::{RenameColumn, RenameTable};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{refused, sized, Checked};
use crate::connection::Session;
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
    s.preflight(ctx.snapshot, &super::RULES)
}

pub async fn analyze_column(
    session: &Session,
    ctx: StepContext<'_>,
    s: &RenameColumn,
) -> Result<Analysis> {
    let t = match check_column(&ctx, s) {
        Err(m) => return Ok(refused(m)),
        Ok(t) => t,
    };
    let mut a = sized(t);
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
