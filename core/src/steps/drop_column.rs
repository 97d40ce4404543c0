//! `drop_column`: drop a column after backing up its values.
//!
//! The values are copied with the table's primary key to `strata_bak_<version>_<table>_<column>`
//! and verified before the drop. Rollback adds the column back with its type, nullability,
//! default, and the indexes and constraints that covered it, and restores every value.
//! A table without a primary key cannot be backed up column-wise: the step is refused unless
//! `backup = false`.

use serde::{Deserialize, Serialize};

use super::rules::{primary_key, Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Column, Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `drop_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column to drop.
    pub column: String,
    /// Back up the values first [true].
    #[serde(default = "super::yes")]
    pub backup: bool,
}

impl StepSpec for DropColumn {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column]
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        let Some(t) = super::altered(schema, &self.table) else {
            return;
        };
        t.columns.retain(|c| c.name != self.column);
        t.indexes.retain(|i| !i.columns.contains(&self.column));
        t.constraints.retain(|c| !c.columns.contains(&self.column));
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ColumnsRemoved
    }
    fn reversibility(&self) -> Reversibility {
        if self.backup {
            Reversibility::Partial
        } else {
            Reversibility::No
        }
    }
    fn describe(&self) -> String {
        format!("drop column {}.{}", self.table, self.column)
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
    fn destroys_data(&self) -> bool {
        true
    }
}

impl DropColumn {
    /// `drop_column`: the column exists and is not part of the primary key; backing it up needs one.
    pub fn preflight<'a>(
        &self,
        snapshot: &'a Snapshot,
        rules: &Rules,
    ) -> Checked<(&'a Table, &'a Column)> {
        let (t, c) = rules.table_column(snapshot, &self.table, &self.column)?;
        if t.primary_key.contains(&self.column) {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                format!(
                    "column \"{}\" is part of the primary key of \"{}\"",
                    self.column, t.name
                ),
            ));
        }
        if self.backup && !rules.row_ids {
            primary_key(
                t,
                "back up the column's values row by row (or set backup = false)",
            )?;
        }
        Ok((t, c))
    }
}
