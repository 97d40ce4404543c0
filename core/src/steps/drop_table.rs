//! `drop_table`: drop a table after backing up its rows.
//!
//! ```toml
//! [[step]]
//! op = "drop_table"
//! table = "sessions_legacy"
//! reason = "replaced by auth_sessions"
//! ```
//! The rows are copied to `strata_bak_<version>_<table>` and the copy is verified (row count
//! and content fingerprint) before the drop. Rollback re-creates the table from the definition
//! strata read before dropping it (columns, defaults, constraints, indexes, sequences,
//! triggers) and puts the rows back. With `backup = false` the step is irreversible.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `drop_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropTable {
    /// The table to drop.
    pub table: QualifiedName,
    /// Back up the rows first [true].
    #[serde(default = "super::yes")]
    pub backup: bool,
}

impl StepSpec for DropTable {
    fn columns(&self) -> Vec<&str> {
        Vec::new()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        schema.tables.remove(&self.table.to_string());
    }

    fn category(&self) -> ChangeCategory {
        ChangeCategory::TablesDropped
    }
    fn reversibility(&self) -> Reversibility {
        if self.backup {
            Reversibility::Yes
        } else {
            Reversibility::No
        }
    }
    fn describe(&self) -> String {
        format!("drop table {}", self.table)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
    fn destroys_data(&self) -> bool {
        true
    }
}

impl DropTable {
    /// `drop_table`: no view depends on it, no other table's foreign key references it.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        let t = rules.table(snapshot, &self.table)?;
        if !t.dependents.is_empty() {
            return Err(Refusal::new(
                RefusalKind::Dependents,
                format!(
                    "{} depend on table \"{}\"; drop them first (sql step)",
                    t.dependents.join(", "),
                    t.name
                ),
            ));
        }
        let incoming = t.referenced_by_others();
        if !incoming.is_empty() {
            return Err(Refusal::new(RefusalKind::Dependents, format!(
                "table \"{}\" is referenced by foreign keys {}; drop them first with drop_foreign_key",
                t.name,
                incoming.join(", ")
            )));
        }
        Ok(t)
    }
}
