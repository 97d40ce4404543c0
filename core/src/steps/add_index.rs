//! `add_index`: an index, built online by default.
//!
//! Online means the engine's non-blocking build (PostgreSQL `CREATE INDEX CONCURRENTLY`),
//! which cannot run inside a transaction: strata runs it after the migration's transaction
//! commits, journals it, and the next `apply` completes it if the run was interrupted. An
//! invalid index left by a failed online build is dropped. For a unique index strata counts
//! duplicate keys first and refuses while any exist.

use serde::{Deserialize, Serialize};

use super::rules::{find_column, name_taken, Checked, Rules};
use super::{check_columns, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::{Index, Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `add_index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddIndex {
    /// The table.
    pub table: QualifiedName,
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// Index name [`<table>_<columns>_idx`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Unique [false].
    #[serde(default)]
    pub unique: bool,
    /// Build without blocking writes [true].
    #[serde(default = "super::yes")]
    pub online: bool,
}

/// The index an `add_index` or `add_unique` step builds, for the engines that build both as
/// an index (SQLite, MongoDB).
#[derive(Debug, Clone, PartialEq)]
pub struct NewIndex<'s> {
    /// The table it is built on.
    pub table: &'s QualifiedName,
    /// Its key columns, in order.
    pub columns: &'s [String],
    /// Its name (the step's, or the generated one).
    pub name: String,
    /// Whether it is unique.
    pub unique: bool,
}

impl AddIndex {
    /// The index this step builds.
    pub fn new_index(&self) -> NewIndex<'_> {
        NewIndex {
            table: &self.table,
            columns: &self.columns,
            name: self.index_name(),
            unique: self.unique,
        }
    }

    /// The index name: `name`, or `<table>_<col>_<col>_idx`.
    pub fn index_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            super::fit_identifier(&format!(
                "{}_{}_idx",
                self.table.name,
                self.columns.join("_")
            ))
        })
    }
}

impl StepSpec for AddIndex {
    fn columns(&self) -> Vec<&str> {
        self.columns.iter().map(String::as_str).collect()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(t) = super::altered(schema, &self.table) {
            t.indexes.push(Index {
                name: self.index_name(),
                columns: self.columns.clone(),
                unique: self.unique,
                definition: String::new(),
                valid: true,
            });
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_columns("columns", &self.columns)
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::IndexesAdded
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        let unique = if self.unique { "unique " } else { "" };
        format!(
            "add {unique}index {} on {}({})",
            self.index_name(),
            self.table,
            self.columns.join(", ")
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl AddIndex {
    /// `add_index`: the columns exist and the name is free.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        rules.new_name("index name", &self.index_name())?;
        let t = rules.table(snapshot, &self.table)?;
        for c in &self.columns {
            find_column(t, c)?;
        }
        name_taken(t, &self.index_name())?;
        Ok(t)
    }
}
