//! The analyses of the step kinds that the SQL engines count the same way, over the
//! dialect's own SQL: `backfill` and `set_not_null` (where the engine has no text of its own
//! to check first).

use strata_core::counter::Counter;
use strata_core::preflight;
use strata_core::schema::{Column, Table};
use strata_core::steps::{Backfill, SetNotNull};
use strata_core::{Analysis, Result, StepContext};

use crate::{nulls_finding, refuse_conflicts, Session, WriteChecks};

/// The analysis of `backfill` step `s` on `t`: the rows `predicate` selects, counted through
/// `counter`, and what writing `writes` into them would break.
pub async fn backfill<D: WriteChecks>(
    counter: &Counter<'_, Session<D>>,
    ctx: &StepContext<'_>,
    s: &Backfill,
    t: &Table,
    writes: &[(String, String)],
    predicate: &str,
) -> Result<Analysis> {
    let n = counter.count(t, predicate).await?;
    let mut a = Analysis::of_table(t);
    refuse_conflicts(counter, ctx, t, writes, Some(predicate), &mut a).await?;
    a.findings.push(preflight::changed_rows_finding(
        n,
        Some(strata_core::batches::describe(s.batch_size, s.batch_ms)),
    ));
    Ok(a)
}

/// The analysis of `set_not_null` step `s` on column `c` of `t`: nothing to do when it is NOT
/// NULL already; else its NULLs (examples of `value_sql`), and what writing `fill_sql` (the
/// step's `fill`, as SQL) into them would break.
pub async fn set_not_null<D: WriteChecks>(
    counter: &Counter<'_, Session<D>>,
    ctx: &StepContext<'_>,
    s: &SetNotNull,
    (t, c): (&Table, &Column),
    value_sql: &str,
    fill_sql: Option<String>,
) -> Result<Analysis> {
    let mut a = Analysis::of_table(t);
    if !c.nullable {
        a.warnings.push(preflight::already_not_null(t, &c.name));
        return Ok(a);
    }
    let filter = format!("c.{} IS NULL", D::ident(&c.name));
    a.findings
        .push(nulls_finding(counter, s, t, &c.name, value_sql, &filter).await?);
    if let Some(fill) = fill_sql {
        let writes = [(c.name.clone(), fill)];
        refuse_conflicts(counter, ctx, t, &writes, Some(&filter), &mut a).await?;
    }
    Ok(a)
}
