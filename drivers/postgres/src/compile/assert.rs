//! `assert` on PostgreSQL: the `postgres` query's row count must equal `expect_rows`.

use strata_core::escape_hatch;
use strata_core::steps::Assert;
use strata_core::{Action, Analysis, Result, StepContext};

pub fn analyze(_ctx: StepContext<'_>, s: &Assert) -> Analysis {
    escape_hatch::analyze_assert(s, "postgres")
}

pub fn compile(ctx: StepContext<'_>, s: &Assert) -> Result<Vec<Action>> {
    escape_hatch::compile_assert(ctx, s, "postgres")
}
