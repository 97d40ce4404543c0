//! `drop_index`: drop an index by name. Rollback re-creates it from its definition.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Index, Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `drop_index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropIndex {
    /// The table.
    pub table: QualifiedName,
    /// The index name.
    pub name: String,
}

impl StepSpec for DropIndex {
    fn columns(&self) -> Vec<&str> {
        Vec::new()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(t) = super::altered(schema, &self.table) {
            t.indexes.retain(|i| i.name != self.name);
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.name).map_err(|e| format!("field `name`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::IndexesDropped
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("drop index {} on {}", self.name, self.table)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl DropIndex {
    /// `drop_index`: the index exists and no constraint owns it.
    pub fn preflight<'a>(
        &self,
        snapshot: &'a Snapshot,
        rules: &Rules,
    ) -> Checked<(&'a Table, &'a Index)> {
        let t = rules.table(snapshot, &self.table)?;
        // Where indexes and constraints have names of their own (MySQL names the index it makes
        // for a foreign key after the key), the index is what the step means.
        if let Some(index) = t.indexes.iter().find(|i| i.name == self.name) {
            return Ok((t, index));
        }
        if t.constraint(&self.name).is_some() {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                format!(
                    "\"{}\" belongs to a constraint of \"{}\"; drop the constraint instead",
                    self.name, t.name
                ),
            ));
        }
        Err(Refusal::new(
            RefusalKind::MissingObject,
            format!("table \"{}\" has no index named \"{}\"", t.name, self.name),
        ))
    }
}
