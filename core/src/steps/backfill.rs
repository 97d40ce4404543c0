//! `backfill`: set columns on the rows matching a filter, in batches.
//!
//! ```toml
//! [[step]]
//! op = "backfill"
//! table = "users"
//! set = { status = "active" }
//! where_null = ["status"]        # TOML has no null; YAML/JSON may say where: {status: null}
//! batch_size = 500
//! ```
//! The rows it will change (matching `where` and not already holding the `set` values) are
//! counted first, and their keys and old values backed up; rollback restores them. The runner
//! drives the update in batches of `batch_size` rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::{find_column, primary_key, Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::{Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `backfill`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backfill {
    /// The table.
    pub table: QualifiedName,
    /// Column → new value.
    pub set: BTreeMap<String, serde_json::Value>,
    /// Column → value (or null) the rows must hold; all rows when absent.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<BTreeMap<String, serde_json::Value>>,
    /// Columns that must be NULL: TOML has no null, so `where_null = ["email"]` says what
    /// `where = { email = null }` says in YAML and JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub where_null: Vec<String>,
    /// Rows per batch [1000].
    #[serde(default = "default_batch")]
    pub batch_size: u32,
}

fn default_batch() -> u32 {
    1000
}

impl Backfill {
    /// The filter with `where_null` folded in: column → value, `Null` for IS NULL.
    pub fn conditions(&self) -> BTreeMap<String, serde_json::Value> {
        let mut all = self.filter.clone().unwrap_or_default();
        for c in &self.where_null {
            all.insert(c.clone(), serde_json::Value::Null);
        }
        all
    }

    /// Every column the step names.
    pub fn columns(&self) -> impl Iterator<Item = &String> {
        self.set
            .keys()
            .chain(self.filter.iter().flat_map(|f| f.keys()))
            .chain(&self.where_null)
    }
}

impl StepSpec for Backfill {
    fn columns(&self) -> Vec<&str> {
        self.columns().map(String::as_str).collect()
    }

    /// Changes rows only: the schema stays as it is.
    fn simulate(&self, _: &mut Snapshot, _: &dyn TypeMapper) {}

    fn validate(&self) -> Result<(), String> {
        if self.set.is_empty() {
            return Err("field `set`: at least one column is needed".into());
        }
        for c in self.set.keys() {
            check_column(c).map_err(|e| format!("field `set.{c}`: {e}"))?;
        }
        for c in self.filter.iter().flat_map(|f| f.keys()) {
            check_column(c).map_err(|e| format!("field `where.{c}`: {e}"))?;
        }
        for c in &self.where_null {
            check_column(c).map_err(|e| format!("field `where_null`: {e}"))?;
        }
        if self.batch_size == 0 {
            return Err("field `batch_size`: must be at least 1".into());
        }
        Ok(())
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::DataBackfills
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        let cols: Vec<&str> = self.set.keys().map(String::as_str).collect();
        format!("backfill {} ({})", self.table, cols.join(", "))
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl Backfill {
    /// `backfill`: the columns exist and the table has a primary key.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        let t = rules.table(snapshot, &self.table)?;
        for c in self.columns() {
            find_column(t, c)?;
        }
        if !rules.row_ids {
            primary_key(t, "back up the rows it changes and update them in batches")?;
        }
        Ok(t)
    }
}
