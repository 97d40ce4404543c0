//! `drop_default`: remove a column's default. Rollback restores it.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::Snapshot;
use crate::types::TypeMapper;

/// Fields of `drop_default`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropDefault {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
}

impl StepSpec for DropDefault {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(c) = super::altered_column(schema, &self.table, &self.column) {
            c.default = None;
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::DefaultsChanged
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("drop default of {}.{}", self.table, self.column)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
