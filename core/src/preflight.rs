//! What a step's pre-flight shares across kinds: the literals it writes, and the findings it
//! reports. Each kind's own schema checks are beside its fields, in `steps/<kind>.rs`
//! (`AddColumn::preflight`, …), over the name rules of [`Rules`].

use crate::planning::StepContext;
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::Table;
use crate::QualifiedName;

pub use crate::steps::rules::{any_name, find_column, primary_key, Checked, Rules};

/// The literals a step writes into existing columns (`set_default`'s value, `set_not_null`'s
/// fill, `backfill`'s `set`) that are no values of the column's type
/// ([`crate::PortableType::check_literal`]): refused in the plan, not by the engine half way.
pub fn literal_refusals(ctx: &StepContext<'_>) -> Vec<Refusal> {
    use crate::steps::StepKind as K;
    let written: Vec<(&QualifiedName, &str, &serde_json::Value, &str)> = match &ctx.step.kind {
        K::SetDefault(s) => vec![(&s.table, s.column.as_str(), &s.value, "value")],
        K::SetNotNull(s) => s
            .fill
            .iter()
            .map(|f| (&s.table, s.column.as_str(), f, "fill"))
            .collect(),
        K::Backfill(s) => s
            .set
            .iter()
            .map(|(c, v)| (&s.table, c.as_str(), v, "set"))
            .collect(),
        _ => Vec::new(),
    };
    written
        .into_iter()
        .filter_map(|(table, column, value, field)| {
            let ty = ctx.snapshot.table(table)?.column(column)?.portable?;
            ty.check_literal(value).err().map(|why| {
                Refusal::new(
                    RefusalKind::Incompatible,
                    format!("field `{field}`: {why} (column \"{column}\" of {table})"),
                )
                .on(format!("{table}.{column}"))
            })
        })
        .collect()
}

/// The finding of `set_not_null`: `nulls` NULLs in `column` of `t`, filled with `fill` (which
/// needs a primary key to record the rows for rollback) or refusing the step.
pub fn nulls_finding(
    t: &Table,
    column: &str,
    nulls: u64,
    fill: Option<&serde_json::Value>,
    examples: Vec<String>,
) -> crate::Finding {
    let (handling, blocking) = match fill {
        Some(fill) => match primary_key(t, "record which rows it filled, for rollback") {
            Err(m) if nulls > 0 => (String::new(), Some(m)),
            _ => (
                format!(
                    "filled with {fill}; their keys are backed up and rollback puts the NULLs back"
                ),
                None,
            ),
        },
        None => (
            "the step is refused while any exist (no `fill`)".to_owned(),
            (nulls > 0).then(|| {
                Refusal::new(
                    RefusalKind::Nulls,
                    format!(
                        "{nulls} rows of {} hold NULL in \"{column}\"; give `fill` a value for them",
                        t.name
                    ),
                )
                .on(format!("{}.{column}", t.name))
            }),
        ),
    };
    crate::Finding {
        kind: crate::FindingKind::Nulls,
        count: nulls,
        examples,
        handling,
        blocking,
    }
}

/// The finding of `drop_table`: its `rows` are destroyed, copied to `backup` first unless the
/// step says `backup = false`.
pub fn dropped_rows_finding(rows: u64, backup: Option<&QualifiedName>) -> crate::Finding {
    let handling = match backup {
        Some(b) => format!("copied to {} and verified before the drop", b.name),
        None => "NOT backed up (backup = false): the rows are lost".into(),
    };
    crate::Finding {
        kind: crate::FindingKind::RowsDestroyed,
        count: rows,
        examples: vec![],
        handling,
        blocking: None,
    }
}

/// The finding of a unique index or constraint: `count` keys of `columns` held by more than
/// one row refuse it.
pub fn duplicates_finding(
    t: &Table,
    columns: &[String],
    count: u64,
    examples: Vec<String>,
) -> crate::Finding {
    crate::Finding {
        kind: crate::FindingKind::Duplicates,
        count,
        examples,
        handling: "the step is refused while any exist".into(),
        blocking: (count > 0).then(|| {
            Refusal::new(
                RefusalKind::Duplicates,
                format!("{count} keys ({}) of {} are held by more than one row; remove the duplicates first", columns.join(", "), t.name),
            )
            .on(&t.name)
        }),
    }
}
