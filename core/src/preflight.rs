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

/// The warning of a `set_not_null` on `column` of `t` that is NOT NULL already.
pub fn already_not_null(t: &Table, column: &str) -> String {
    format!("{}.{column} is already NOT NULL; nothing to do", t.name)
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

/// The analysis of `drop_table` step `s`: refused as `checked` (its pre-flight, and what the
/// engine checks besides) says, or the table's rows destroyed (backed up unless
/// `backup = false`).
pub fn drop_table_analysis(
    ctx: &StepContext<'_>,
    s: &crate::steps::DropTable,
    checked: Checked<&Table>,
) -> crate::Analysis {
    match checked {
        Err(m) => crate::Analysis::refused(m),
        Ok(t) => {
            let mut a = crate::Analysis::of_table(t);
            let backup = s.backup.then(|| ctx.backup_name(&s.table, None));
            a.findings
                .push(dropped_rows_finding(t.rows, backup.as_ref()));
            a
        }
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

/// The finding of `drop_column` step `s`: its `values` non-NULL values are destroyed, copied
/// first (as `copied` says where) unless the step says `backup = false`.
pub fn dropped_values_finding(
    s: &crate::steps::DropColumn,
    values: u64,
    copied: impl FnOnce() -> String,
) -> crate::Finding {
    crate::Finding {
        kind: crate::FindingKind::RowsDestroyed,
        count: values,
        examples: vec![],
        handling: if s.backup {
            copied()
        } else {
            "NOT backed up (backup = false): the values are lost".to_owned()
        },
        blocking: None,
    }
}

/// The finding of a `backfill`: the `rows` it updates (`in_batches` of that many rows, where
/// the engine batches), whose old values it backs up.
pub fn changed_rows_finding(rows: u64, in_batches: Option<String>) -> crate::Finding {
    crate::Finding {
        kind: crate::FindingKind::RowsChanged,
        count: rows,
        examples: vec![],
        handling: match in_batches {
            Some(batches) => format!(
                "updated in {batches}; the old values are backed up and restored by rollback"
            ),
            None => "updated; the old values are backed up and restored by rollback".into(),
        },
        blocking: None,
    }
}

/// The finding of `change_type` step `s` on column `column` of `t`: `count` values that will
/// not convert (`examples` of them), handled as its `on_incompatible` says or refusing it.
pub fn incompatible_finding(
    s: &crate::steps::ChangeType,
    t: &Table,
    column: &str,
    count: u64,
    examples: Vec<String>,
) -> crate::Finding {
    let (handling, blocking) = s.on_incompatible.describe(
        count,
        &format!("{}.{column}", t.name),
        &s.to.to_string(),
        s.default.as_ref(),
    );
    crate::Finding {
        kind: crate::FindingKind::Incompatible,
        count,
        examples,
        handling,
        blocking,
    }
}

/// The refusal of a step that would break `dependents` (rendered names) of `column`.
pub fn dependents_refusal(dependents: &[String], column: &str) -> Refusal {
    Refusal::new(
        RefusalKind::Dependents,
        format!(
            "{} depend on column \"{column}\"; drop them first",
            dependents.join(", ")
        ),
    )
}

/// In a step's analysis (a function returning `Result<Analysis>`), the value of a pre-flight
/// check, or else the analysis that the check's refusal refuses the step:
///
/// ```ignore
/// let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
/// ```
#[macro_export]
macro_rules! refuse_unless {
    ($checked:expr) => {
        match $checked {
            ::std::result::Result::Ok(value) => value,
            ::std::result::Result::Err(refusal) => {
                return ::std::result::Result::Ok($crate::Analysis::refused(refusal))
            }
        }
    };
}

/// A step kind whose analysis can read the schema alone: refused as its pre-flight says, or
/// sized by the table it changes, with what the schema tells (the rows `drop_table` destroys).
/// A driver takes it for such kinds with [`analyze_on_schema!`](crate::analyze_on_schema).
pub trait SchemaAnalysis {
    /// The analysis of this step in `ctx`, over the engine's name `rules`.
    fn schema_analysis(&self, ctx: &StepContext<'_>, rules: &Rules) -> crate::Analysis;
}

impl SchemaAnalysis for crate::steps::CreateTable {
    fn schema_analysis(&self, ctx: &StepContext<'_>, rules: &Rules) -> crate::Analysis {
        crate::Analysis::unless_refused(self.preflight(ctx.snapshot, rules))
    }
}

impl SchemaAnalysis for crate::steps::DropTable {
    fn schema_analysis(&self, ctx: &StepContext<'_>, rules: &Rules) -> crate::Analysis {
        drop_table_analysis(ctx, self, self.preflight(ctx.snapshot, rules))
    }
}

impl SchemaAnalysis for crate::steps::DropIndex {
    fn schema_analysis(&self, ctx: &StepContext<'_>, rules: &Rules) -> crate::Analysis {
        crate::Analysis::of_checked(self.preflight(ctx.snapshot, rules).map(|(t, _)| t))
    }
}

impl SchemaAnalysis for crate::steps::DropForeignKey {
    fn schema_analysis(&self, ctx: &StepContext<'_>, rules: &Rules) -> crate::Analysis {
        crate::Analysis::of_checked(
            self.preflight(ctx.snapshot, rules)
                .and_then(|_| rules.table(ctx.snapshot, &self.table)),
        )
    }
}

/// Implements `AnalyzeKind` for `analyzer` over each listed kind by its [`SchemaAnalysis`]
/// under the driver's name `rules`: the kinds the driver analyzes on the schema alone.
///
/// ```ignore
/// strata_core::analyze_on_schema!(Analyzer<'_>, RULES, [CreateTable, DropTable, DropIndex]);
/// ```
#[macro_export]
macro_rules! analyze_on_schema {
    ($analyzer:ty, $rules:expr, [$($kind:ident),+ $(,)?]) => {
        $(
            impl $crate::driver::AnalyzeKind<$crate::steps::$kind> for $analyzer {
                async fn analyze(
                    &self,
                    ctx: $crate::StepContext<'_>,
                    step: &$crate::steps::$kind,
                ) -> $crate::Result<$crate::Analysis> {
                    Ok($crate::preflight::SchemaAnalysis::schema_analysis(
                        step, &ctx, &$rules,
                    ))
                }
            }
        )+
    };
}

/// `drop_not_null` on an engine that keeps a primary key NOT NULL: refused on a key column,
/// and a no-op (said as a warning) on a column that allows NULL already.
impl SchemaAnalysis for crate::steps::DropNotNull {
    fn schema_analysis(&self, ctx: &StepContext<'_>, rules: &Rules) -> crate::Analysis {
        let (t, c) = match rules.table_column(ctx.snapshot, &self.table, &self.column) {
            Err(m) => return crate::Analysis::refused(m),
            Ok(found) => found,
        };
        if t.primary_key.contains(&c.name) {
            return crate::Analysis::refused(Refusal::new(
                RefusalKind::Invalid,
                format!(
                    "column \"{}\" is part of the primary key of \"{}\"",
                    c.name, t.name
                ),
            ));
        }
        let mut a = crate::Analysis::of_table(t);
        if c.nullable {
            a.warnings.push(format!(
                "{}.{} already allows NULL; nothing to do",
                t.name, c.name
            ));
        }
        a
    }
}
