//! What `set_default` and `drop_default` share on PostgreSQL: their analysis, and the
//! statement that puts the previous default back.

use strata_core::{Analysis, QualifiedName, Statement, StepContext};

use super::{find_table_column, refused, sized};

pub fn analyze(ctx: StepContext<'_>, table: &QualifiedName, column: &str) -> Analysis {
    find_table_column(&ctx, table, column).map_or_else(refused, |(t, _)| sized(t))
}

pub(super) fn restore(tbl: &str, col: &str, previous: Option<&String>) -> Statement {
    Statement::Sql(match previous {
        Some(expr) => format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {expr}"),
        None => format!("ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"),
    })
}
