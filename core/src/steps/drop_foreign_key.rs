//! `drop_foreign_key`: drop a foreign key by name. Rollback re-creates it from the definition
//! strata read before dropping it.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};

/// Fields of `drop_foreign_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropForeignKey {
    /// The referencing table.
    pub table: QualifiedName,
    /// The constraint's name.
    pub name: String,
}

impl StepSpec for DropForeignKey {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.name).map_err(|e| format!("field `name`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ConstraintsRemoved
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("drop foreign key {} on {}", self.name, self.table)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
