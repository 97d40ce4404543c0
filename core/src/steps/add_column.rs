//! `add_column`: a new column. A NOT NULL column needs a `default` when the table has rows.
//! Rollback drops the column.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Snapshot, Table};
use crate::types::TypeMapper;
use crate::PortableType;

/// Fields of `add_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// The table.
    pub table: QualifiedName,
    /// The new column.
    pub column: String,
    /// Its portable type.
    #[serde(rename = "type")]
    pub ty: PortableType,
    /// Whether NULL is allowed [true].
    #[serde(default = "super::yes")]
    pub nullable: bool,
    /// Default value, also written into existing rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

impl StepSpec for AddColumn {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, types: &dyn TypeMapper) {
        let Some(t) = super::altered(schema, &self.table) else {
            return;
        };
        let position = t.columns.len() as u32 + 1;
        let mut c = super::new_column(&self.column, self.ty, self.nullable, position, types);
        c.default = self.default.as_ref().map(|d| d.to_string());
        t.columns.push(c);
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))?;
        match &self.default {
            Some(d) => self
                .ty
                .check_literal(d)
                .map_err(|e| format!("field `default`: {e}")),
            None => Ok(()),
        }
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ColumnsAdded
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("add column {}.{} {}", self.table, self.column, self.ty)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl AddColumn {
    /// `add_column`: the name is free; a NOT NULL column on a table with rows has a default.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        rules.new_name("column name", &self.column)?;
        let t = rules.table(snapshot, &self.table)?;
        if t.column(&self.column).is_some() {
            return Err(Refusal::new(
                RefusalKind::Exists,
                format!(
                    "column \"{}\" already exists in \"{}\"",
                    self.column, t.name
                ),
            ));
        }
        if !self.nullable && self.default.is_none() && t.rows > 0 {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                format!(
                    "table \"{}\" has rows, so a NOT NULL column needs a `default`",
                    t.name
                ),
            ));
        }
        Ok(t)
    }
}
