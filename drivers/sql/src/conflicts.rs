//! What a write into many rows must not break, on every SQL engine: core's counts of the
//! unique and foreign keys it would break (`strata_core::writes`) and the CHECKs that only
//! the dialect reads ([`WriteChecks`]), refused in the plan ([`refuse_conflicts`]) and checked
//! again right before the write where the plan could not count ([`conflict_checks`]).

use strata_core::counter::Counter;
use strata_core::schema::Table;
use strata_core::writes::{Conflict, Quoting};
use strata_core::{Action, Analysis, Result, StepContext};

use crate::{Dialect, Session};

/// The CHECKs of a dialect's tables that a write would break.
pub trait WriteChecks: Dialect {
    /// The conflicts of a write of `writes` (column, SQL value) into the rows of `t` that
    /// `filter` selects (all of them without one) with the CHECKs of `t`.
    fn broken_checks(t: &Table, writes: &[(String, String)], filter: Option<&str>)
        -> Vec<Conflict>;
}

/// How the dialect quotes names, for core's shared SQL.
pub fn quoting<D: Dialect>() -> Quoting {
    Quoting {
        ident: D::ident,
        table: D::table,
    }
}

/// What a write of `writes` into the rows `filter` selects would break: the unique and
/// foreign keys of `t` (core's counts) and its CHECKs.
pub fn conflicts<D: WriteChecks>(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<Conflict> {
    let mut out = strata_core::writes::conflicts(ctx.snapshot, t, writes, filter, quoting::<D>());
    out.extend(D::broken_checks(t, writes, filter));
    out
}

/// Refuses, in the plan, a write of `writes` into the rows `filter` selects that a UNIQUE key,
/// a foreign key or a CHECK of `t` would stop half way (see `strata_core::writes`).
pub async fn refuse_conflicts<D: WriteChecks>(
    counter: &Counter<'_, Session<D>>,
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
    a: &mut Analysis,
) -> Result<()> {
    strata_core::writes::refuse(counter, conflicts::<D>(ctx, t, writes, filter), a).await
}

/// The same counts as checks right before the write, for a table the plan could not count.
pub fn conflict_checks<D: WriteChecks>(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<Action> {
    strata_core::writes::checks(
        ctx.step.index,
        &t.name,
        conflicts::<D>(ctx, t, writes, filter),
    )
}

/// The conflict of a write with the CHECK `body` (its text, `(…)`) that `what` names
/// (`CHECK constraint c`): the rows `filter` selects for which `expr` — the body with the
/// written values in place of their columns — is false (`IS FALSE`: a CHECK that is unknown
/// holds).
pub fn check_conflict<D: Dialect>(
    t: &Table,
    what: &str,
    body: &str,
    expr: &str,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Conflict {
    let written: Vec<&str> = writes.iter().map(|(c, _)| c.as_str()).collect();
    Conflict {
        count: format!(
            "SELECT {} FROM {} c WHERE ({}) AND ({expr}) IS FALSE",
            D::COUNT,
            D::table(&t.name),
            filter.unwrap_or("TRUE")
        ),
        refusal: format!(
            "the value written into {} breaks {what} of \"{}\" ({body})",
            written.join(", "),
            t.name
        ),
    }
}
