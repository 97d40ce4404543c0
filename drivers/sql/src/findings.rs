//! The findings every SQL engine counts and shows the same way (orphans, dropped values,
//! values that will not convert), and the examples a plan shows beside a count: a few rows, by
//! key, with the value that makes them count.

use strata_core::counter::Counter;
use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, ChangeType, DropColumn, SetNotNull};
use strata_core::{Finding, FindingKind, Result, StepContext};

use crate::{Dialect, Session};

/// Up to five `key: value` examples of the rows of `t` (aliased `c`) that `filter` selects:
/// each row's primary key (`id=7`, or `row` for a table without one) and the value
/// `value_sql` takes in it, written as the engine writes a literal.
pub async fn examples<D: Dialect>(
    session: &Session<D>,
    t: &Table,
    value_sql: &str,
    filter: &str,
) -> Result<Vec<String>> {
    let mut parts = Vec::new();
    if t.primary_key.is_empty() {
        parts.push(D::string("row"));
    }
    for (i, k) in t.primary_key.iter().enumerate() {
        if i > 0 {
            parts.push(D::string(", "));
        }
        parts.push(D::string(&format!("{k}=")));
        parts.push(D::as_text(&format!("c.{}", D::ident(k))));
    }
    parts.push(D::string(": "));
    parts.push(format!(
        "COALESCE({}, {})",
        D::quote_value(value_sql),
        D::string("NULL")
    ));
    let sql = format!(
        "SELECT {} FROM {} c WHERE {filter} LIMIT 5",
        D::concat(&parts),
        D::table(&t.name)
    );
    Ok(session.texts(&sql).await?.into_iter().flatten().collect())
}

/// The orphans finding of `add_foreign_key` step `s`: the rows of `child` that `filter`
/// selects (those whose complete key matches no row of `parent`), counted through `counter`
/// (fused with the migration's other counts on `child`), up to five of their keys, and how the
/// step's `orphans` mode handles them or why it refuses.
pub async fn orphans_finding<D: Dialect>(
    counter: &Counter<'_, Session<D>>,
    s: &AddForeignKey,
    child: &Table,
    parent: &Table,
    filter: &str,
) -> Result<Finding> {
    let count = counter.count(child, filter).await?;
    let mut key = Vec::new();
    for (i, c) in s.columns.iter().enumerate() {
        if i > 0 {
            key.push(D::string(", "));
        }
        key.push(D::as_text(&format!("c.{}", D::ident(c))));
    }
    let examples = if count > 0 {
        examples(counter.source, child, &D::concat(&key), filter).await?
    } else {
        Vec::new()
    };
    let (handling, blocking) =
        s.orphans
            .describe(count, &child.name.to_string(), &parent.name.to_string());
    Ok(Finding {
        kind: FindingKind::Orphans,
        count,
        examples,
        handling,
        blocking,
    })
}

/// The finding of `drop_column` step `s` on `t`: its non-NULL values, counted through
/// `counter`, copied with their keys to the step's backup first (unless `backup = false`).
pub async fn dropped_values_finding<D: Dialect>(
    counter: &Counter<'_, Session<D>>,
    ctx: &StepContext<'_>,
    s: &DropColumn,
    t: &Table,
) -> Result<Finding> {
    let values = counter
        .count(t, &format!("c.{} IS NOT NULL", D::ident(&s.column)))
        .await?;
    Ok(preflight::dropped_values_finding(s, values, || {
        format!(
            "copied with their keys to {} and verified before the drop",
            ctx.backup_name(&t.name, Some(&s.column))
        )
    }))
}

/// The finding of `change_type` step `s` on `column` of `t`: the rows `filter` selects (whose
/// value will not convert), counted through `counter`, with up to five examples of
/// `value_sql` when there are any.
pub async fn incompatible_finding<D: Dialect>(
    counter: &Counter<'_, Session<D>>,
    s: &ChangeType,
    t: &Table,
    column: &str,
    value_sql: &str,
    filter: &str,
) -> Result<Finding> {
    let n = counter.count(t, filter).await?;
    let shown = if n > 0 {
        examples(counter.source, t, value_sql, filter).await?
    } else {
        vec![]
    };
    Ok(preflight::incompatible_finding(s, t, column, n, shown))
}

/// The finding of `set_not_null` step `s` on `column` of `t`: the rows `filter` selects (those
/// holding NULL), counted through `counter`, with up to five examples of `value_sql`.
pub async fn nulls_finding<D: Dialect>(
    counter: &Counter<'_, Session<D>>,
    s: &SetNotNull,
    t: &Table,
    column: &str,
    value_sql: &str,
    filter: &str,
) -> Result<Finding> {
    let nulls = counter.count(t, filter).await?;
    let shown = if nulls > 0 {
        examples(counter.source, t, value_sql, filter).await?
    } else {
        vec![]
    };
    Ok(preflight::nulls_finding(
        t,
        column,
        nulls,
        s.fill.as_ref(),
        shown,
    ))
}

/// The duplicates finding of a unique key on `columns` of `t`: the keys (none with a NULL)
/// held by more than one row, and up to five of them with their row counts (`7, x (2 rows)`).
/// A grouping, not a filter: it cannot join the fused scan, so it runs once, in the real pass.
pub async fn duplicates_finding<D: Dialect>(
    counter: &Counter<'_, Session<D>>,
    t: &Table,
    columns: &[String],
) -> Result<Finding> {
    let (cols, present) = crate::actions::key_parts::<D>(columns);
    let grouped = format!(
        "FROM {} c WHERE {present} GROUP BY {cols} HAVING {} > 1",
        D::table(&t.name),
        D::COUNT
    );
    if counter.is_recording() {
        return Ok(preflight::duplicates_finding(t, columns, 0, vec![]));
    }
    let session = counter.source;
    let n = session
        .count(&format!("SELECT {} FROM (SELECT 1 {grouped}) d", D::COUNT))
        .await? as u64;
    let examples = if n > 0 {
        let mut parts = Vec::new();
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                parts.push(D::string(", "));
            }
            parts.push(D::as_text(&format!("c.{}", D::ident(c))));
        }
        parts.push(D::string(" ("));
        parts.push(D::as_text(D::COUNT));
        parts.push(D::string(" rows)"));
        let sql = format!("SELECT {} {grouped} LIMIT 5", D::concat(&parts));
        session.texts(&sql).await?.into_iter().flatten().collect()
    } else {
        vec![]
    };
    Ok(preflight::duplicates_finding(t, columns, n, examples))
}
