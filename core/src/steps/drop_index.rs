//! `drop_index`: drop an index by name. Rollback re-creates it from its definition.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};

/// Fields of `drop_index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropIndex {
    /// The table.
    pub table: QualifiedName,
    /// The index name.
    pub name: String,
}

impl StepSpec for DropIndex {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.name).map_err(|e| format!("field `name`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::IndexesDropped
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("drop index {} on {}", self.name, self.table)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
