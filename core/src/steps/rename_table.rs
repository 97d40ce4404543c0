//! `rename_table`: give a table a new name (in the same schema). Rollback renames it back.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};

/// Fields of `rename_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    /// The table.
    pub table: QualifiedName,
    /// Its new name, without schema.
    pub to: String,
}

impl StepSpec for RenameTable {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.to).map_err(|e| format!("field `to`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::TablesRenamed
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("rename table {} to {}", self.table, self.to)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
