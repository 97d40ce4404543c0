//! `rename_table`: give a table a new name (in the same schema). Rollback renames it back.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `rename_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    /// The table.
    pub table: QualifiedName,
    /// Its new name, without schema.
    pub to: String,
}

impl StepSpec for RenameTable {
    fn columns(&self) -> Vec<&str> {
        Vec::new()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        let Some(t) = schema.tables.remove(&self.table.to_string()) else {
            return;
        };
        let mut t = std::sync::Arc::unwrap_or_clone(t);
        let old = t.name.clone();
        t.name = t.name.with_name(&self.to);
        let new = t.name.clone();
        schema.insert(t);
        // Foreign keys follow the table; their text is the driver's to bring up to date
        // (`StepCompiler::simulate`).
        let prefix = format!("{old}.");
        for other in schema
            .tables
            .values_mut()
            .filter(|o| {
                o.constraints
                    .iter()
                    .any(|c| c.references.as_ref() == Some(&old))
                    || o.referenced_by.iter().any(|r| r.starts_with(&prefix))
            })
            .map(std::sync::Arc::make_mut)
        {
            for c in &mut other.constraints {
                if c.references.as_ref() == Some(&old) {
                    c.references = Some(new.clone());
                }
            }
            for r in &mut other.referenced_by {
                if let Some(rest) = r.strip_prefix(&prefix) {
                    *r = format!("{new}.{rest}");
                }
            }
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.to).map_err(|e| format!("field `to`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::TablesRenamed
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("rename table {} to {}", self.table, self.to)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl RenameTable {
    /// `rename_table`: the new name is free.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        rules.new_name("table name", &self.to)?;
        let t = rules.table(snapshot, &self.table)?;
        if snapshot.table(&self.table.with_name(&self.to)).is_some() {
            return Err(Refusal::new(
                RefusalKind::Exists,
                format!(
                    "table \"{}\" already exists",
                    self.table.with_name(&self.to)
                ),
            ));
        }
        Ok(t)
    }
}
