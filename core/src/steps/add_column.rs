//! `add_column`: a new column. A NOT NULL column needs a `default` when the table has rows.
//! Rollback drops the column.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::PortableType;

/// Fields of `add_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// The table.
    pub table: QualifiedName,
    /// The new column.
    pub column: String,
    /// Its portable type.
    #[serde(rename = "type")]
    pub ty: PortableType,
    /// Whether NULL is allowed [true].
    #[serde(default = "super::yes")]
    pub nullable: bool,
    /// Default value, also written into existing rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

impl StepSpec for AddColumn {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))?;
        match &self.default {
            Some(d) => self
                .ty
                .check_literal(d)
                .map_err(|e| format!("field `default`: {e}")),
            None => Ok(()),
        }
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ColumnsAdded
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("add column {}.{} {}", self.table, self.column, self.ty)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
