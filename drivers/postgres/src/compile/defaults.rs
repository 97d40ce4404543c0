//! What `set_default` and `drop_default` share on PostgreSQL: their analysis, and the
//! statement that puts the previous default back.

use strata_core::{Analysis, QualifiedName, Statement, StepContext};

pub fn analyze(ctx: StepContext<'_>, table: &QualifiedName, column: &str) -> Analysis {
    super::RULES
        .table_column(ctx.snapshot, table, column)
        .map_or_else(Analysis::refused, |(t, _)| Analysis::of_table(t))
}

pub(super) fn restore(tbl: &str, col: &str, previous: Option<&String>) -> Statement {
    Statement::Sql(match previous {
        Some(expr) => format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {expr}"),
        None => format!("ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"),
    })
}
