//! `change_type`: convert a column to another portable type.
//!
//! ```toml
//! [[step]]
//! op = "change_type"
//! table = "users"
//! column = "age"
//! to = "int64"
//! on_incompatible = "set_null"    # fail | set_null | use_default
//! ```
//! Before anything runs, strata counts the values that will not convert — the cast fails, or
//! the value would change (rounding, truncation) — and shows a few of them in the plan. With
//! `fail` (the default) any such value refuses the step. The column's `(primary key, value)`
//! pairs are backed up first; rollback converts the column back and restores every original
//! value from that backup.

use serde::{Deserialize, Serialize};

use super::rules::{primary_key, Checked, Rules};
use super::{check_column, ChangeCategory, OnIncompatible, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Column, Snapshot, Table};
use crate::types::TypeMapper;
use crate::PortableType;

/// Fields of `change_type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeType {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// The new portable type.
    pub to: PortableType,
    /// What to do with values that will not convert [fail].
    #[serde(default)]
    pub on_incompatible: OnIncompatible,
    /// Value for incompatible rows with `on_incompatible = "use_default"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Per-engine conversion expression over the column (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<super::EngineTexts>,
}

impl StepSpec for ChangeType {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, types: &dyn TypeMapper) {
        let Some(c) = super::altered_column(schema, &self.table, &self.column) else {
            return;
        };
        c.native_type = types.native_type(self.to);
        c.portable = Some(self.to);
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))?;
        match (self.on_incompatible, &self.default) {
            (OnIncompatible::UseDefault, None) => {
                Err("field `default`: required when on_incompatible = \"use_default\"".into())
            }
            (OnIncompatible::UseDefault, Some(serde_json::Value::Null)) => {
                Err("field `default`: must not be null (use on_incompatible = \"set_null\")".into())
            }
            _ => Ok(()),
        }
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::TypeChanges
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Partial
    }
    fn describe(&self) -> String {
        format!(
            "change type of {}.{} to {}",
            self.table, self.column, self.to
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
    fn destroys_data(&self) -> bool {
        self.on_incompatible != OnIncompatible::Fail
    }
}

impl ChangeType {
    /// `change_type`: the column exists, the table has a primary key for the backup, the engine's
    /// `using` expression is given when any is, and NULL can stand for incompatible values.
    pub fn preflight<'a>(
        &self,
        snapshot: &'a Snapshot,
        rules: &Rules,
        engine: &str,
    ) -> Checked<(&'a Table, &'a Column)> {
        let (t, c) = rules.table_column(snapshot, &self.table, &self.column)?;
        if !rules.row_ids {
            primary_key(t, "back up the original values for an exact rollback")?;
        }
        if let Some(using) = &self.using {
            if using.sql_for(engine).is_none() {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    format!("field `using`: no `{engine}` expression"),
                ));
            }
        }
        if !c.nullable && self.on_incompatible == OnIncompatible::SetNull {
            return Err(Refusal::new(RefusalKind::Invalid, format!(
                "column \"{}\" is NOT NULL, so incompatible values cannot be set to NULL; use on_incompatible = \"use_default\"",
                c.name
            )));
        }
        Ok((t, c))
    }
}
