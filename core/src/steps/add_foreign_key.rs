//! `add_foreign_key`: a foreign key, with the orphans it would reject handled first.
//!
//! ```toml
//! [[step]]
//! op = "add_foreign_key"
//! table = "orders"
//! columns = ["user_id"]
//! references = { table = "users", columns = ["id"] }
//! on_delete = "cascade"
//! orphans = "set_null"     # fail | delete | set_null | placeholder
//! replace = "orders_user_id_fkey"
//! ```
//! strata counts the orphan rows (a non-NULL key with no parent) before anything runs.
//! `fail` refuses while any exist; `delete` and `set_null` back up every row they delete or
//! change; `placeholder` inserts parent rows for the missing keys and records them. With
//! `replace`, the named foreign key is dropped first and re-created on rollback. Where the
//! engine allows it, the key is added without checking existing rows and then validated, so
//! writers are blocked as briefly as possible.

use serde::{Deserialize, Serialize};

use super::{
    check_columns, ChangeCategory, OrphanMode, QualifiedName, ReferentialAction, Reversibility,
    StepSpec,
};

/// Fields of `add_foreign_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddForeignKey {
    /// The referencing (child) table.
    pub table: QualifiedName,
    /// Its key columns.
    pub columns: Vec<String>,
    /// The referenced (parent) table and columns.
    pub references: References,
    /// Constraint name [`<table>_<columns>_fkey`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// On delete [no_action].
    #[serde(default)]
    pub on_delete: ReferentialAction,
    /// On update [no_action].
    #[serde(default)]
    pub on_update: ReferentialAction,
    /// Orphan handling [fail].
    #[serde(default)]
    pub orphans: OrphanMode,
    /// Name of an existing foreign key this one replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<String>,
}

/// The parent side of a foreign key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct References {
    /// Parent table.
    pub table: QualifiedName,
    /// Parent columns (a primary key or unique key).
    pub columns: Vec<String>,
}

impl AddForeignKey {
    /// The constraint name: `name`, or `<table>_<col>_<col>_fkey`.
    pub fn constraint_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            super::fit_identifier(&format!(
                "{}_{}_fkey",
                self.table.name,
                self.columns.join("_")
            ))
        })
    }
}

impl StepSpec for AddForeignKey {
    fn validate(&self) -> Result<(), String> {
        check_columns("columns", &self.columns)?;
        if self.references.columns.len() != self.columns.len() {
            return Err(format!(
                "field `references.columns`: {} columns reference {} (they must pair up)",
                self.columns.len(),
                self.references.columns.len()
            ));
        }
        check_columns("references.columns", &self.references.columns)
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ConstraintsAdded
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        let replacing = self
            .replace
            .as_ref()
            .map(|r| format!(" replacing {r}"))
            .unwrap_or_default();
        format!(
            "add foreign key {} on {}({}) → {}({}){replacing}",
            self.constraint_name(),
            self.table,
            self.columns.join(", "),
            self.references.table,
            self.references.columns.join(", ")
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
    fn destroys_data(&self) -> bool {
        matches!(self.orphans, OrphanMode::Delete | OrphanMode::SetNull)
    }
}
