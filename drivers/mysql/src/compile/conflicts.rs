//! What a write into many rows must not break on MySQL: core's key counts
//! (`strata_core::writes`) and the table's and columns' CHECKs, refused in the plan and checked
//! again right before the write; and the orphans a foreign key would find (`orphan_filter`,
//! `orphan_count_sql`, which `strata verify` counts too).

use strata_core::schema::Table;
use strata_core::{Action, Analysis, Result, StepContext};

use super::Counter;
use crate::sql::{ident, table as qtable};

/// How this driver quotes names, for core's shared SQL.
pub(super) const QUOTING: strata_core::writes::Quoting = strata_core::writes::Quoting {
    ident,
    table: qtable,
};

/// Refuses, in the plan, a write of `writes` into the rows `filter` selects that a UNIQUE key,
/// a foreign key or a CHECK of `t` would stop half way (see `strata_core::writes`).
pub(super) async fn refuse_conflicts(
    counter: &Counter<'_>,
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
    a: &mut Analysis,
) -> Result<()> {
    strata_core::writes::refuse(counter, all_conflicts(ctx, t, writes, filter), a).await
}

/// The keys a write would break (core's counts) and the CHECKs of `t` it would break: each
/// table CHECK and column CHECK (a JSON column's `json_valid`) that names a written column,
/// evaluated with the written values in the rows the write changes (`IS FALSE`: a CHECK that
/// is unknown holds).
pub(super) fn all_conflicts(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<strata_core::writes::Conflict> {
    let mut out = strata_core::writes::conflicts(ctx.snapshot, t, writes, filter, QUOTING);
    let table_checks = t
        .constraints
        .iter()
        .filter(|k| k.kind == strata_core::schema::ConstraintKind::Check)
        .map(|k| (k.name.clone(), k.definition.clone()));
    let column_checks = t.columns.iter().filter_map(|c| {
        let d = c.definition.as_deref()?;
        d.find(" CHECK (").map(|at| {
            (
                format!("the CHECK of column {}", c.name),
                d[at..].to_owned(),
            )
        })
    });
    for (name, definition) in table_checks.chain(column_checks) {
        let Some(body) = definition
            .find("CHECK (")
            .map(|at| &definition[at + "CHECK ".len()..])
        else {
            continue;
        };
        let mut expr = body.to_owned();
        for (column, value) in writes {
            expr = expr.replace(&ident(column), &format!("({value})"));
        }
        if expr == body {
            continue;
        }
        out.push(strata_core::writes::Conflict {
            count: format!(
                "SELECT COUNT(*) FROM {} c WHERE ({}) AND ({expr}) IS FALSE",
                qtable(&t.name),
                filter.unwrap_or("TRUE")
            ),
            refusal: format!(
                "the value written into {} breaks {name} of \"{}\" ({body})",
                writes
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.name
            ),
        });
    }
    out
}

/// The same counts as checks right before the write, for a table the plan could not count.
pub(super) fn conflict_checks(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<Action> {
    strata_core::writes::checks(
        ctx.step.index,
        &t.name,
        all_conflicts(ctx, t, writes, filter),
    )
}

/// Child rows (aliased `c`) whose complete key has no parent.
pub fn orphan_filter(parent: &Table, columns: &[String], references: &[String]) -> String {
    QUOTING.orphan_filter(&parent.name, columns, references)
}

/// How many child rows reference no parent row.
pub fn orphan_count_sql(
    child: &Table,
    parent: &Table,
    columns: &[String],
    references: &[String],
) -> String {
    format!(
        "SELECT COUNT(*) FROM {} c WHERE {}",
        qtable(&child.name),
        orphan_filter(parent, columns, references)
    )
}
