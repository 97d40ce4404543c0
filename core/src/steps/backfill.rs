//! `backfill`: set columns on the rows matching a filter, in batches.
//!
//! ```toml
//! [[step]]
//! op = "backfill"
//! table = "users"
//! set = { status = "active" }
//! where_null = ["status"]        # TOML has no null; YAML/JSON may say where: {status: null}
//! batch_size = 500                # the first batch's rows [1000]
//! batch_ms = 150                   # what each later batch should take [150]; 0: all batch_size
//! ```
//! The rows it will change (matching `where` and not already holding the `set` values) are
//! counted first, and their keys and old values backed up; rollback restores them. The runner
//! drives the update in batches: the first of `batch_size` rows, each later one sized to take
//! about `batch_ms` milliseconds from how long the one before took (see
//! [`crate::batches`]); with `batch_ms = 0`, every batch of `batch_size` rows.

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
    /// Rows of the first batch, and of every batch when `batch_ms` is 0 [1000].
    #[serde(default = "default_batch")]
    pub batch_size: u32,
    /// The time each batch after the first should take, in milliseconds [150]; 0 keeps every
    /// batch at `batch_size` rows.
    /// Left out of the serialized step when it is the default, so that a migration written
    /// before the field existed keeps its checksum.
    #[serde(default = "default_batch_ms", skip_serializing_if = "is_default_ms")]
    pub batch_ms: u32,
}

fn default_batch() -> u32 {
    crate::batches::DEFAULT_ROWS
}

fn default_batch_ms() -> u32 {
    crate::batches::DEFAULT_MS
}

fn is_default_ms(ms: &u32) -> bool {
    *ms == crate::batches::DEFAULT_MS
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
        if self.batch_ms > 60_000 {
            return Err("field `batch_ms`: at most 60000 (a minute a batch)".into());
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

#[cfg(test)]
mod tests {
    use super::Backfill;

    /// A migration written before `batch_ms` existed serializes (and so checksums) as it did.
    #[test]
    fn the_default_batch_time_is_left_out_of_the_checksummed_form() {
        let old: Backfill = serde_json::from_value(serde_json::json!({
            "table": "users", "set": { "email": "x" }, "batch_size": 50
        }))
        .expect("a backfill");
        assert_eq!(old.batch_ms, crate::batches::DEFAULT_MS);
        let json = serde_json::to_value(&old).expect("serializes");
        assert!(json.get("batch_ms").is_none(), "{json}");
        let fixed = Backfill { batch_ms: 0, ..old };
        assert_eq!(
            serde_json::to_value(&fixed).expect("serializes")["batch_ms"],
            0
        );
    }
}
