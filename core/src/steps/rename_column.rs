//! `rename_column`: give a column a new name. Rollback renames it back.

use serde::{Deserialize, Serialize};

use super::rules::{Checked, Rules};
use super::{check_column, ChangeCategory, QualifiedName, Reversibility, StepSpec};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Snapshot, Table};
use crate::types::TypeMapper;

/// Fields of `rename_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// Its new name.
    pub to: String,
}

impl StepSpec for RenameColumn {
    fn columns(&self) -> Vec<&str> {
        vec![&self.column, &self.to]
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        let Some(t) = super::altered(schema, &self.table) else {
            return;
        };
        if let Some(i) = t.columns.position(&self.column) {
            t.columns[i].name = self.to.clone();
        }
        for names in t
            .indexes
            .iter_mut()
            .map(|i| &mut i.columns)
            .chain(t.constraints.iter_mut().map(|c| &mut c.columns))
            .chain(std::iter::once(&mut t.primary_key))
        {
            for n in names.iter_mut().filter(|n| **n == self.column) {
                *n = self.to.clone();
            }
        }
    }

    fn validate(&self) -> Result<(), String> {
        check_column(&self.column).map_err(|e| format!("field `column`: {e}"))?;
        check_column(&self.to).map_err(|e| format!("field `to`: {e}"))
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::ColumnsRenamed
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!(
            "rename column {}.{} to {}",
            self.table, self.column, self.to
        )
    }
    fn table(&self) -> Option<&QualifiedName> {
        Some(&self.table)
    }
}

impl RenameColumn {
    /// `rename_column`: the column exists and the new name is free.
    pub fn preflight<'a>(&self, snapshot: &'a Snapshot, rules: &Rules) -> Checked<&'a Table> {
        rules.new_name("column name", &self.to)?;
        let (t, _) = rules.table_column(snapshot, &self.table, &self.column)?;
        if t.column(&self.to).is_some() {
            return Err(Refusal::new(
                RefusalKind::Exists,
                format!("column \"{}\" already exists in \"{}\"", self.to, t.name),
            ));
        }
        Ok(t)
    }
}
