//! `drop_not_null`: allow NULL in a column. Rollback sets NOT NULL again (and fails, changing
//! nothing, if NULLs were written since).

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::Snapshot;
use crate::types::TypeMapper;

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
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(c) = super::altered_column(schema, &self.table, &self.column) {
            c.nullable = true;
        }
    }

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
