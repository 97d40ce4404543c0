//! `drop_column`: drop a column after backing up its values.
//!
//! The values are copied with the table's primary key to `strata_bak_<version>_<table>_<column>`
//! and verified before the drop. Rollback adds the column back with its type, nullability,
//! default, and the indexes and constraints that covered it, and restores every value.
//! A table without a primary key cannot be backed up column-wise: the step is refused unless
//! `backup = false`.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};

/// Fields of `drop_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column to drop.
    pub column: String,
    /// Back up the values first [true].
    #[serde(default = "super::yes")]
    pub backup: bool,
}

impl StepSpec for DropColumn {
    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ColumnsRemoved
    }
    fn reversibility(&self) -> Reversibility {
        if self.backup {
            Reversibility::Partial
        } else {
            Reversibility::No
        }
    }
    fn describe(&self) -> String {
        format!("drop column {}.{}", self.table, self.column)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
    fn destroys_data(&self) -> bool {
        true
    }
}
