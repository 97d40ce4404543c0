//! `set_not_null`: forbid NULL in a column.
//!
//! strata counts the NULLs first. With `fill`, the keys of the rows holding NULL are backed
//! up, the NULLs are replaced by `fill`, then the constraint is set; without `fill`, any NULL
//! refuses the step. Rollback drops the constraint and puts back exactly the NULLs it filled.

use serde::{Deserialize, Serialize};

use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::Snapshot;
use crate::types::TypeMapper;

/// Fields of `set_not_null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetNotNull {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// Value written into existing NULLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<serde_json::Value>,
}

impl StepSpec for SetNotNull {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(c) = super::altered_column(schema, &self.table, &self.column) {
            c.nullable = false;
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))?;
        if self.fill == Some(serde_json::Value::Null) {
            return Err("field `fill`: must not be null".into());
        }
        Ok(())
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ConstraintsAdded
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("set {}.{} NOT NULL", self.table, self.column)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}
