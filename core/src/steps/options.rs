//! The small enumerations step fields take.

use crate::refusal::{Refusal, RefusalKind};
use serde::{Deserialize, Serialize};

/// What `change_type` does with values that will not convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnIncompatible {
    /// Refuse to run while any value will not convert (the default).
    #[default]
    Fail,
    /// Write NULL where a value will not convert (backed up first).
    SetNull,
    /// Write the step's `default` where a value will not convert (backed up first).
    UseDefault,
}

/// What `add_foreign_key` does with rows whose key has no parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrphanMode {
    /// Refuse to run while orphans exist (the default).
    #[default]
    Fail,
    /// Delete orphan rows (backed up first).
    Delete,
    /// Set the orphan rows' key columns to NULL (backed up first).
    SetNull,
    /// Insert placeholder parent rows for the missing keys (removed on rollback).
    Placeholder,
}

/// Referential action of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ReferentialAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
}

impl ReferentialAction {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
        }
    }
}

/// Per-engine text for the `sql` and `assert` escape hatches.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineTexts {
    /// PostgreSQL statement text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL / MariaDB statement text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite statement text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// MongoDB command document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mongodb: Option<serde_json::Value>,
}

impl EngineTexts {
    /// The SQL text for `engine`, if the file gives one.
    pub fn sql_for(&self, engine: &str) -> Option<&str> {
        match engine {
            "postgres" => self.postgres.as_deref(),
            "mysql" => self.mysql.as_deref(),
            "sqlite" => self.sqlite.as_deref(),
            _ => None,
        }
    }

    /// Whether no engine has text.
    pub fn is_empty(&self) -> bool {
        self.postgres.is_none()
            && self.mysql.is_none()
            && self.sqlite.is_none()
            && self.mongodb.is_none()
    }
}

/// How far a step can be undone by `strata rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reversibility {
    /// Undone exactly.
    Yes,
    /// Rows that existed when the migration ran are restored exactly from strata's backup;
    /// rows written afterwards are converted back on a best-effort basis.
    Partial,
    /// Cannot be undone (no backup, or an `sql` step without `down`).
    No,
}

impl Reversibility {
    /// `yes`, `partial` or `no`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::Partial => "partial",
            Self::No => "no",
        }
    }
}

/// The rows of a changes summary (DESIGN §4, the migration guide's "Changes Summary").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ChangeCategory {
    TablesCreated,
    TablesDropped,
    TablesRenamed,
    ColumnsAdded,
    ColumnsRemoved,
    ColumnsRenamed,
    TypeChanges,
    ConstraintsAdded,
    ConstraintsRemoved,
    DefaultsChanged,
    IndexesAdded,
    IndexesDropped,
    DataBackfills,
    RawStatements,
    Assertions,
}

impl ChangeCategory {
    /// The human label used in plans and guides.
    pub fn label(self) -> &'static str {
        match self {
            Self::TablesCreated => "Tables created",
            Self::TablesDropped => "Tables dropped",
            Self::TablesRenamed => "Tables renamed",
            Self::ColumnsAdded => "Columns added",
            Self::ColumnsRemoved => "Columns removed",
            Self::ColumnsRenamed => "Columns renamed",
            Self::TypeChanges => "Type changes",
            Self::ConstraintsAdded => "Constraints added",
            Self::ConstraintsRemoved => "Constraints removed",
            Self::DefaultsChanged => "Defaults changed",
            Self::IndexesAdded => "Indexes added",
            Self::IndexesDropped => "Indexes dropped",
            Self::DataBackfills => "Data backfills",
            Self::RawStatements => "Raw statements",
            Self::Assertions => "Assertions",
        }
    }
}

impl OnIncompatible {
    /// How `count` incompatible values of `column` are handled, and, when they refuse the
    /// step, why. Shared by every driver so plans read the same on every engine.
    pub fn describe(
        self,
        count: u64,
        column: &str,
        to: &str,
        default: Option<&serde_json::Value>,
    ) -> (String, Option<Refusal>) {
        match self {
            Self::Fail => (
                "the step is refused while any exist (on_incompatible = \"fail\")".into(),
                (count > 0).then(|| {
                    Refusal::new(
                        RefusalKind::Incompatible,
                        format!(
                            "{count} values of {column} will not convert to {to}; fix them, or set on_incompatible = \"set_null\" or \"use_default\""
                        ),
                    )
                    .on(column)
                }),
            ),
            Self::SetNull => ("set to NULL; the originals are backed up and restored by rollback".into(), None),
            Self::UseDefault => (
                format!(
                    "set to {}; the originals are backed up and restored by rollback",
                    default.map_or_else(|| "the default".to_owned(), |d| d.to_string())
                ),
                None,
            ),
        }
    }
}

impl OrphanMode {
    /// How `count` orphan rows are handled, and, when they refuse the step, why.
    pub fn describe(self, count: u64, table: &str, parent: &str) -> (String, Option<Refusal>) {
        match self {
            Self::Fail => (
                "the step is refused while any exist (orphans = \"fail\")".into(),
                (count > 0).then(|| {
                    Refusal::new(
                        RefusalKind::Orphans,
                        format!(
                            "{count} rows of {table} reference no row of {parent}; fix them, or set orphans = \"delete\", \"set_null\" or \"placeholder\""
                        ),
                    )
                    .on(table)
                }),
            ),
            Self::Delete => ("deleted; every deleted row is backed up and restored by rollback".into(), None),
            Self::SetNull => ("key set to NULL; the old keys are backed up and restored by rollback".into(), None),
            Self::Placeholder => (
                format!("a placeholder row is inserted into {parent} for each missing key; rollback removes them"),
                None,
            ),
        }
    }
}
