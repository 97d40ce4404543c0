//! `set_default`: a column's default for new rows. Rollback restores the previous default.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::Snapshot;
use crate::types::TypeMapper;

/// Fields of `set_default`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetDefault {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// The default value.
    pub value: serde_json::Value,
}

impl StepSpec for SetDefault {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(c) = super::altered_column(schema, &self.table, &self.column) {
            c.default = Some(self.value.to_string());
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
        format!(
            "set default of {}.{} to {}",
            self.table, self.column, self.value
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
