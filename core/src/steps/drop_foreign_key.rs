//! `drop_foreign_key`: drop a foreign key by name. Rollback re-creates it from the definition
//! strata read before dropping it.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Constraint, ConstraintKind, Snapshot};
use crate::types::TypeMapper;

/// Fields of `drop_foreign_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropForeignKey {
    /// The referencing table.
    pub table: QualifiedName,
    /// The constraint's name.
    pub name: String,
}

impl StepSpec for DropForeignKey {
    fn columns(&self) -> Vec<&str> {
        Vec::new()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        if let Some(t) = super::altered(schema, &self.table) {
            t.constraints.retain(|c| c.name != self.name);
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.name).map_err(|e| format!("field `name`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ConstraintsRemoved
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("drop foreign key {} on {}", self.name, self.table)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl DropForeignKey {
    /// `drop_foreign_key`: the foreign key exists.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Constraint> {
        let t = rules.table(snapshot, &self.table)?;
        match t.constraint(&self.name) {
            Some(c) if c.kind == ConstraintKind::ForeignKey => Ok(c),
            Some(_) => Err(Refusal::new(
                RefusalKind::Invalid,
                format!("\"{}\" on \"{}\" is not a foreign key", self.name, t.name),
            )),
            None => Err(Refusal::new(
                RefusalKind::MissingObject,
                format!(
                    "table \"{}\" has no foreign key named \"{}\"",
                    t.name, self.name
                ),
            )),
        }
    }
}
