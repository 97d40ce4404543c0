//! `sql` on PostgreSQL: the `postgres` text, with `down.postgres` as its inverse.

use strata_core::escape_hatch;
use strata_core::steps::Sql;
use strata_core::{Action, Analysis, Result, StepContext};

pub fn analyze(_ctx: StepContext<'_>, s: &Sql) -> Analysis {
    escape_hatch::analyze_sql(s, "postgres")
}

pub fn compile(ctx: StepContext<'_>, s: &Sql) -> Result<Vec<Action>> {
    escape_hatch::compile_sql(ctx, s, "postgres", true)
}
