//! `rename_column`: give a column a new name. Rollback renames it back.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};

/// Fields of `rename_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// Its new name.
    pub to: String,
}

impl StepSpec for RenameColumn {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))?;
        check_column(&self.to).map_err(|e| format!("field `to`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ColumnsRenamed
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!(
            "rename column {}.{} to {}",
            self.table, self.column, self.to
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
