//! `set_default` and `drop_default` on MySQL. Rollback restores the column's definition
//! exactly as `SHOW CREATE TABLE` gave it.

use strata_core::steps::{DropDefault, SetDefault};
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext};

use super::create_table::default_clause;
use super::{exact_definition, find_table_column, refused, sized};
use crate::sql::{ident, table as qtable};

pub fn analyze(ctx: StepContext<'_>, table: &QualifiedName, column: &str) -> Analysis {
    find_table_column(&ctx, table, column).map_or_else(refused, |(t, _)| sized(t))
}

fn restore(ctx: &StepContext<'_>, tbl: &str, c: &strata_core::schema::Column) -> Result<Statement> {
    let definition = exact_definition(c).map_err(|m| ctx.error(m))?;
    Ok(Statement::Sql(format!(
        "ALTER TABLE {tbl} MODIFY COLUMN {definition}"
    )))
}

pub fn compile_set(ctx: StepContext<'_>, s: &SetDefault) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let clause = default_clause(
        c.portable.unwrap_or(strata_core::PortableType::Int64),
        &s.value,
    );
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("set default of {}.{}", t.name, c.name),
        Statement::Sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {} SET{}",
            ident(&c.name),
            clause
        )),
    )
    .outside_transaction()
    .with_inverse(restore(&ctx, &tbl, c)?)])
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropDefault) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop default of {}.{}", t.name, c.name),
        Statement::Sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {} DROP DEFAULT",
            ident(&c.name)
        )),
    )
    .outside_transaction()
    .with_inverse(restore(&ctx, &tbl, c)?)])
}
