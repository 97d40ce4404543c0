//! `set_default` and `drop_default` on PostgreSQL. Rollback restores the previous default
//! expression exactly as the catalog held it.

use strata_core::steps::{DropDefault, SetDefault};
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext};

use super::{find_table_column, refused, sized};
use crate::sql::{ident, literal, table as qtable};

pub fn analyze(ctx: StepContext<'_>, table: &QualifiedName, column: &str) -> Analysis {
    find_table_column(&ctx, table, column).map_or_else(refused, |(t, _)| sized(t))
}

fn restore(tbl: &str, col: &str, previous: Option<&String>) -> Statement {
    Statement::Sql(match previous {
        Some(expr) => format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {expr}"),
        None => format!("ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"),
    })
}

pub fn compile_set(ctx: StepContext<'_>, s: &SetDefault) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    let (tbl, col) = (qtable(&t.name), ident(&c.name));
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("set default of {}.{}", t.name, c.name),
        Statement::Sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {}",
            literal(&s.value, &c.native_type)
        )),
    )
    .with_inverse(restore(&tbl, &col, c.default.as_ref()))])
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropDefault) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    let (tbl, col) = (qtable(&t.name), ident(&c.name));
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop default of {}.{}", t.name, c.name),
        Statement::Sql(format!("ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT")),
    )
    .with_inverse(restore(&tbl, &col, c.default.as_ref()))])
}
