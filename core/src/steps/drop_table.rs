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

use super::{ChangeCategory, QualifiedName, Reversibility, StepSpec};

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
