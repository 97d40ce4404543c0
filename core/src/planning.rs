//! The planning data a driver receives and returns: the step to plan with its context, and
//! the pre-flight [`Analysis`] of it. A leaf: it knows migrations, steps and schemas, not
//! drivers.

use serde::Serialize;

use crate::error::{Error, StepLocation};
use crate::migration::Migration;
use crate::refusal::Refusal;
use crate::schema::Snapshot;
use crate::steps::Step;
use crate::QualifiedName;

/// What a pre-flight count is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Rows or values the step deletes (backed up first).
    RowsDestroyed,
    /// Rows the step changes.
    RowsChanged,
    /// Values that will not convert to the new type.
    Incompatible,
    /// NULLs in a column about to become NOT NULL.
    Nulls,
    /// Rows whose key has no parent.
    Orphans,
    /// Rows sharing a key that must become unique.
    Duplicates,
}

impl FindingKind {
    /// The label used in plans.
    pub fn label(self) -> &'static str {
        match self {
            Self::RowsDestroyed => "rows destroyed (backed up)",
            Self::RowsChanged => "rows changed",
            Self::Incompatible => "values that will not convert",
            Self::Nulls => "NULLs",
            Self::Orphans => "orphan rows",
            Self::Duplicates => "duplicate keys",
        }
    }
}

/// One pre-flight count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What is counted.
    pub kind: FindingKind,
    /// How many.
    pub count: u64,
    /// A few examples, rendered as the engine shows them.
    pub examples: Vec<String>,
    /// How the step handles them (`set to NULL`, `deleted`, …).
    pub handling: String,
    /// Why this finding refuses the step, when it does.
    pub blocking: Option<Refusal>,
}

/// The pre-flight analysis of one step against the live data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// The table's row count, when the step works on one.
    pub table_rows: Option<u64>,
    /// The table's size in bytes.
    pub table_bytes: Option<u64>,
    /// The counts.
    pub findings: Vec<Finding>,
    /// Things the user should know that do not refuse the step.
    pub warnings: Vec<String>,
    /// Reasons the step cannot run at all (missing table, dependent views, …).
    pub refusals: Vec<Refusal>,
}

impl Analysis {
    /// The analysis of a step that cannot run, for `reason`.
    pub fn refused(reason: Refusal) -> Self {
        Analysis {
            refusals: vec![reason],
            ..Analysis::default()
        }
    }

    /// The analysis of a step on `table`, with its size and nothing found yet.
    pub fn of_table(table: &crate::schema::Table) -> Self {
        Analysis {
            table_rows: Some(table.rows),
            table_bytes: Some(table.size_bytes),
            ..Analysis::default()
        }
    }

    /// The analysis of a step that only checks the schema: refused as `checked` says, or sized
    /// by the table it changes.
    pub fn of_checked(checked: Result<&crate::schema::Table, Refusal>) -> Self {
        checked.map_or_else(Analysis::refused, Analysis::of_table)
    }

    /// The analysis of a step that only checks the schema and changes no existing table:
    /// refused as `checked` says, or empty.
    pub fn unless_refused<T>(checked: Result<T, Refusal>) -> Self {
        checked.err().map(Analysis::refused).unwrap_or_default()
    }

    /// Every reason the step is refused, from findings and refusals.
    pub fn blocking(&self) -> Vec<Refusal> {
        self.refusals
            .iter()
            .cloned()
            .chain(self.findings.iter().filter_map(|f| f.blocking.clone()))
            .collect()
    }

    /// The rows the step destroys or changes.
    pub fn rows_at_risk(&self) -> u64 {
        self.findings
            .iter()
            .filter(|f| f.blocking.is_none())
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::RowsDestroyed | FindingKind::Incompatible | FindingKind::Orphans
                )
            })
            .map(|f| f.count)
            .sum()
    }
}

/// Everything a driver needs to analyze or compile one step.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The migration.
    pub migration: &'a Migration,
    /// The step.
    pub step: &'a Step,
    /// The schema as it will be when the step runs (earlier steps applied to the live schema).
    pub snapshot: &'a Snapshot,
}

impl<'a> StepContext<'a> {
    /// Where the step is, for errors.
    pub fn location(&self) -> StepLocation {
        self.migration.location(self.step)
    }

    /// The first later step of the migration that works on `table`, or references it.
    /// Actions deferred past the migration's transaction (an online index build) must not
    /// run after such a step, whose change they were compiled without.
    pub fn later_step_on(&self, table: &QualifiedName) -> Option<&'a Step> {
        self.migration
            .steps
            .iter()
            .filter(|s| s.index > self.step.index)
            .find(|s| {
                s.kind.spec().table() == Some(table)
                    || matches!(&s.kind, crate::steps::StepKind::AddForeignKey(f) if &f.references.table == table)
            })
    }

    /// The first earlier step of the migration that works on `table`: the plan counted the
    /// live rows, which that step changes before this one runs.
    pub fn earlier_step_on(&self, table: &QualifiedName) -> Option<&'a Step> {
        self.migration
            .steps
            .iter()
            .filter(|s| s.index < self.step.index)
            .find(|s| s.kind.spec().table() == Some(table))
    }

    /// A step error.
    pub fn error(&self, message: impl Into<crate::error::StepMessage>) -> Error {
        Error::step(&self.location(), message)
    }

    /// The value of a pre-flight check at compile time, or the error its refusal gives
    /// at this step.
    pub fn checked<T>(&self, checked: std::result::Result<T, Refusal>) -> crate::Result<T> {
        checked.map_err(|m| self.error(m))
    }

    /// The deterministic name of a backup object: `strata_bak_<version>_<table>[_<suffix>]`,
    /// and `_<step>` after it when an earlier step of the migration backs up to the same
    /// name: the same table and suffix (`drop_column c` after `change_type c`, a second
    /// `backfill`), or another table whose name runs into it (`drop_column archive` of
    /// `users` and `drop_table users_archive` both make `strata_bak_<v>_users_archive`).
    pub fn backup_name(&self, table: &QualifiedName, suffix: Option<&str>) -> QualifiedName {
        let base = |table: &QualifiedName, suffix: Option<&str>| {
            let mut name = format!("strata_bak_{}_{}", self.migration.version, table.name);
            if let Some(s) = suffix {
                name.push('_');
                name.push_str(s);
            }
            (table.schema.clone(), crate::steps::fit_identifier(&name))
        };
        let mine = base(table, suffix);
        let taken = self
            .migration
            .steps
            .iter()
            .take_while(|s| s.index < self.step.index)
            .any(|s| {
                let (Some(t), Some(x)) = (s.kind.spec().table(), backup_suffix(&s.kind)) else {
                    return false;
                };
                base(t, x.as_deref()) == mine
            });
        let mut name = mine.1;
        if taken {
            name = crate::steps::fit_identifier(&format!("{name}_{}", self.step.index));
        }
        table.with_name(name)
    }
}

impl StepContext<'_> {
    /// The name of the step's own backup, as [`backup_name`](Self::backup_name) gives it to a
    /// step compiled alone; `None` for a step that backs nothing up.
    pub fn own_backup_name(&self) -> Option<QualifiedName> {
        let table = self.step.kind.spec().table()?;
        let suffix = backup_suffix(&self.step.kind)?;
        Some(self.backup_name(table, suffix.as_deref()))
    }
}

/// The suffix a step's backup takes (see [`StepContext::backup_name`]), the same for every
/// driver; `None` for a step that backs nothing up.
fn backup_suffix(step: &crate::steps::StepKind) -> Option<Option<String>> {
    use crate::steps::StepKind as K;
    Some(match step {
        K::DropColumn(s) => Some(s.column.clone()),
        K::ChangeType(s) => Some(s.column.clone()),
        K::SetNotNull(s) => Some(s.column.clone()),
        K::Backfill(_) => Some("backfill".into()),
        K::AddForeignKey(_) => Some("orphans".into()),
        K::DropTable(_) => None,
        _ => return None,
    })
}
