//! `drop_not_null`: allow NULL in a column. Rollback sets NOT NULL again (and fails, changing
//! nothing, if NULLs were written since).

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};

/// Fields of `drop_not_null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropNotNull {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
}

impl StepSpec for DropNotNull {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ConstraintsRemoved
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("drop NOT NULL on {}.{}", self.table, self.column)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
