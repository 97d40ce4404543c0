//! `add_unique`: a unique constraint. strata counts duplicate keys first and refuses while
//! any exist. Rollback drops the constraint.

use serde::{Deserialize, Serialize};

use super::rules::{find_column, name_taken, Checked, Rules};
use super::{check_columns, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::schema::{Constraint, ConstraintKind, Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `add_unique`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddUnique {
    /// The table.
    pub table: QualifiedName,
    /// The columns that together must be unique.
    pub columns: Vec<String>,
    /// Constraint name [`<table>_<columns>_key`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl AddUnique {
    /// The unique index an engine without unique constraints builds for this step.
    pub fn new_index(&self) -> super::NewIndex<'_> {
        super::NewIndex {
            table: &self.table,
            columns: &self.columns,
            name: self.constraint_name(),
            unique: true,
        }
    }

    /// The constraint name: `name`, or `<table>_<col>_<col>_key`.
    pub fn constraint_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            super::fit_identifier(&format!(
                "{}_{}_key",
                self.table.name,
                self.columns.join("_")
            ))
        })
    }
}

impl StepSpec for AddUnique {
    fn columns(&self) -> Vec<&str> {
        self.columns.iter().map(String::as_str).collect()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(t) = super::altered(schema, &self.table) {
            t.constraints.push(Constraint {
                name: self.constraint_name(),
                kind: ConstraintKind::Unique,
                columns: self.columns.clone(),
                references: None,
                definition: String::new(),
                validated: true,
            });
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_columns("columns", &self.columns)
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ConstraintsAdded
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!(
            "add unique {} on {}({})",
            self.constraint_name(),
            self.table,
            self.columns.join(", ")
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl AddUnique {
    /// `add_unique`: the columns exist and the name is free.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        rules.new_name("constraint name", &self.constraint_name())?;
        let t = rules.table(snapshot, &self.table)?;
        for c in &self.columns {
            find_column(t, c)?;
        }
        name_taken(t, &self.constraint_name())?;
        Ok(t)
    }
}
