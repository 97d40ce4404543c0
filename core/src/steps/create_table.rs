//! `create_table`: a new table with its columns.
//!
//! ```toml
//! [[step]]
//! op = "create_table"
//! table = "users"
//! columns = [
//!   { name = "id", type = "int64", primary_key = true },
//!   { name = "email", type = "string(255)", nullable = false, unique = true },
//! ]
//! ```
//! Rollback drops the table.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Column, Snapshot, Table};
use crate::types::TypeMapper;
use crate::PortableType;

/// Fields of `create_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTable {
    /// The new table.
    pub table: QualifiedName,
    /// Its columns, in order.
    pub columns: Vec<ColumnSpec>,
}

/// One column of `create_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Column name.
    pub name: String,
    /// Portable type.
    #[serde(rename = "type")]
    pub ty: PortableType,
    /// Whether NULL is allowed [true]; primary-key columns are never nullable.
    #[serde(default = "yes")]
    pub nullable: bool,
    /// Default value for new rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Part of the primary key [false].
    #[serde(default)]
    pub primary_key: bool,
    /// Unique on its own [false].
    #[serde(default)]
    pub unique: bool,
}

fn yes() -> bool {
    true
}

impl StepSpec for CreateTable {
    fn columns(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    fn simulate(&self, schema: &mut Snapshot, types: &dyn TypeMapper) {
        let columns = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| Column {
                default: c.default.as_ref().map(|d| d.to_string()),
                ..super::new_column(
                    &c.name,
                    c.ty,
                    c.nullable && !c.primary_key,
                    i as u32 + 1,
                    types,
                )
            })
            .collect();
        let primary_key: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        schema.insert(Table {
            columns,
            primary_key,
            ..Table::new(self.table.clone())
        });
    }

    fn validate(&self) -> Result<(), String> {
        if self.columns.is_empty() {
            return Err("field `columns`: a table needs at least one column".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.columns.iter().enumerate() {
            check_column(&c.name).map_err(|e| format!("field `columns[{i}].name`: {e}"))?;
            if let Some(d) = &c.default {
                c.ty.check_literal(d)
                    .map_err(|e| format!("field `columns[{i}].default`: {e}"))?;
            }
            if !seen.insert(&c.name) {
                return Err(format!(
                    "field `columns[{i}].name`: column \"{}\" appears twice",
                    c.name
                ));
            }
        }
        Ok(())
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::TablesCreated
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!(
            "create table {} ({} columns)",
            self.table,
            self.columns.len()
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl CreateTable {
    /// The columns of the primary key, in order (none for a table without one).
    pub fn primary_key(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// `create_table`: new names, and no such table yet.
    pub fn preflight(&self, snapshot: &Snapshot, rules: &Rules) -> Checked<()> {
        rules.new_name("table name", &self.table.name)?;
        for c in &self.columns {
            rules.new_name("column name", &c.name)?;
        }
        if self.table.schema.is_some() && !rules.schemas {
            return Err(Refusal::new(
                RefusalKind::Unsupported,
                format!(
                    "\"{}\": schema-qualified names are not supported on {} (capability `schemas`)",
                    self.table, rules.engine
                ),
            ));
        }
        if snapshot.table(&self.table).is_some() {
            return Err(Refusal::new(
                RefusalKind::Exists,
                format!("table \"{}\" already exists", self.table),
            ));
        }
        Ok(())
    }
}
