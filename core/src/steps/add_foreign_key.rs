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

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::rules::{find_column, primary_key, Checked, Rules};
use super::{
    check_columns, ChangeCategory, OrphanMode, QualifiedName, ReferentialAction, Reversibility,
    StepSpec,
};
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Constraint, ConstraintKind, Snapshot, Table};
use crate::types::TypeMapper;

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
    fn columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .chain(&self.references.columns)
            .map(String::as_str)
            .collect()
    }

    fn simulate(&self, schema: &mut Snapshot, _: &dyn TypeMapper) {
        let Some(t) = super::altered(schema, &self.table) else {
            return;
        };
        if let Some(old) = &self.replace {
            t.constraints.retain(|c| &c.name != old);
        }
        t.constraints.push(Constraint {
            name: self.constraint_name(),
            kind: ConstraintKind::ForeignKey,
            columns: self.columns.clone(),
            references: Some(self.references.table.clone()),
            definition: String::new(),
            validated: true,
        });
    }

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

impl AddForeignKey {
    /// The columns a placeholder parent row gets, each with the column of the missing-keys
    /// backup it takes its value from: the referenced key, and, for a key that references its
    /// own table, the key's own columns too, pointing at the placeholder itself (so that it is
    /// not an orphan in turn, whatever their defaults).
    pub fn placeholder_columns(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .references
            .columns
            .iter()
            .map(|p| (p.clone(), p.clone()))
            .collect();
        if self.table == self.references.table {
            for (c, p) in self.columns.iter().zip(&self.references.columns) {
                if !out.iter().any(|(t, _)| t == c) {
                    out.push((c.clone(), p.clone()));
                }
            }
        }
        out
    }

    /// The parent's columns a placeholder row sets to NULL rather than to their default: the
    /// nullable columns of the parent's other foreign keys, so that a placeholder references
    /// nothing (a default is a value no check vouches for in the table it points at).
    pub fn placeholder_nulls(&self, parent: &Table) -> Vec<String> {
        let placed: Vec<String> = self
            .placeholder_columns()
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let mut out = Vec::new();
        for c in self.parent_key_columns(parent) {
            let Some(col) = parent.column(c) else {
                continue;
            };
            if col.nullable
                && col.default.is_some()
                && !placed.contains(&col.name)
                && !out.contains(&col.name)
            {
                out.push(col.name.clone());
            }
        }
        out
    }

    /// The parent's foreign keys that are still there when the placeholders go in (a replaced
    /// key of the table's own is dropped first).
    fn parent_keys<'a>(&self, parent: &'a Table) -> impl Iterator<Item = &'a Constraint> {
        let own = self.table == self.references.table;
        let replaced = self.replace.clone();
        parent.constraints.iter().filter(move |k| {
            k.kind == ConstraintKind::ForeignKey
                && !(own && replaced.as_deref() == Some(k.name.as_str()))
        })
    }

    /// The columns of [`Self::parent_keys`].
    fn parent_key_columns<'a>(&self, parent: &'a Table) -> impl Iterator<Item = &'a String> {
        self.parent_keys(parent).flat_map(|k| &k.columns)
    }

    /// `add_foreign_key`: both tables and all columns exist, the parent columns are a primary or
    /// unique key, the replaced key exists, the new name is free, and the orphan mode can work.
    /// Returns the child and the parent.
    pub fn preflight<'a>(
        &self,
        snapshot: &'a Snapshot,
        rules: &Rules,
    ) -> Checked<(&'a Table, &'a Table)> {
        rules.new_name("constraint name", &self.constraint_name())?;
        let child = rules.table(snapshot, &self.table)?;
        let parent = rules.table(snapshot, &self.references.table)?;
        for c in &self.columns {
            find_column(child, c)?;
        }
        for c in &self.references.columns {
            find_column(parent, c)?;
        }
        let wanted: BTreeSet<&String> = self.references.columns.iter().collect();
        let same = |cols: &[String]| cols.iter().collect::<BTreeSet<_>>() == wanted;
        let keyed = same(&parent.primary_key)
            || parent
                .constraints
                .iter()
                .any(|c| c.kind == ConstraintKind::Unique && same(&c.columns))
            || parent.indexes.iter().any(|i| i.unique && same(&i.columns));
        if !keyed {
            return Err(Refusal::new(RefusalKind::Invalid, format!(
                "({}) of \"{}\" is not a primary key or unique key; a foreign key must reference one",
                self.references.columns.join(", "),
                parent.name
            )));
        }
        if let Some(old) = &self.replace {
            if !child
                .constraints
                .iter()
                .any(|c| &c.name == old && c.kind == ConstraintKind::ForeignKey)
            {
                return Err(Refusal::new(
                    RefusalKind::MissingObject,
                    format!(
                        "field `replace`: table \"{}\" has no foreign key named \"{old}\"",
                        child.name
                    ),
                ));
            }
        }
        let name = self.constraint_name();
        if child.constraint(&name).is_some() && self.replace.as_deref() != Some(name.as_str()) {
            return Err(Refusal::new(RefusalKind::Exists, format!(
                "table \"{}\" already has a constraint named \"{name}\" (use `replace` to replace it)",
                child.name
            )));
        }
        // A key that sets its columns to NULL when the parent goes needs columns that can be.
        for (clause, action) in [("ON DELETE", self.on_delete), ("ON UPDATE", self.on_update)] {
            if action == ReferentialAction::SetNull {
                if let Some(c) = self
                    .columns
                    .iter()
                    .find(|c| child.column(c).is_some_and(|col| !col.nullable))
                {
                    return Err(Refusal::new(
                        RefusalKind::Invalid,
                        format!(
                            "{clause} SET NULL needs nullable key columns, and \"{c}\" is NOT NULL"
                        ),
                    ));
                }
            }
        }
        match self.orphans {
            OrphanMode::SetNull => {
                if let Some(c) = self
                    .columns
                    .iter()
                    .find(|c| child.column(c).is_some_and(|col| !col.nullable))
                {
                    return Err(Refusal::new(
                        RefusalKind::Invalid,
                        format!(
                        "orphans = \"set_null\" needs nullable key columns, and \"{c}\" is NOT NULL"
                    ),
                    ));
                }
                if !rules.row_ids {
                    primary_key(child, "record which rows it changed, for rollback")?;
                }
            }
            OrphanMode::Placeholder => {
                let blocked: Vec<&str> = parent
                    .columns
                    .iter()
                    .filter(|c| {
                        !c.nullable
                            && c.default.is_none()
                            && c.identity.is_none()
                            && !self.references.columns.contains(&c.name)
                    })
                    .map(|c| c.name.as_str())
                    .collect();
                if !blocked.is_empty() {
                    return Err(Refusal::new(RefusalKind::Invalid, format!(
                        "orphans = \"placeholder\" cannot insert parent rows: {} of \"{}\" NOT NULL without a default",
                        blocked.join(", "),
                        parent.name
                    )));
                }
                // A placeholder must reference nothing through the parent's own foreign keys:
                // each needs a column the placeholder can leave NULL (MATCH SIMPLE: one NULL
                // column and the key checks nothing). A key made only of the columns that take
                // the missing key, or whose other columns are NOT NULL, would point at rows
                // nothing shows exist.
                let placed: Vec<String> = self
                    .placeholder_columns()
                    .into_iter()
                    .map(|(c, _)| c)
                    .collect();
                for key in self.parent_keys(parent) {
                    let unplaced: Vec<&crate::schema::Column> = key
                        .columns
                        .iter()
                        .filter(|c| !placed.contains(c))
                        .filter_map(|c| parent.column(c))
                        .collect();
                    if unplaced.iter().any(|c| c.nullable) {
                        continue;
                    }
                    let what = if unplaced.is_empty() {
                        format!("the missing keys in {}", key.columns.join(", "))
                    } else {
                        let defaults: Vec<String> = unplaced
                            .iter()
                            .map(|c| {
                                format!(
                                    "{} in \"{}\" (NOT NULL)",
                                    c.default.as_deref().unwrap_or("the value it generates"),
                                    c.name
                                )
                            })
                            .collect();
                        format!("the default {}", defaults.join(", "))
                    };
                    return Err(Refusal::new(RefusalKind::Invalid, format!(
                        "orphans = \"placeholder\" would give every parent row {what}, which foreign key {} of \"{}\" checks, and nothing shows those rows exist; use orphans = \"delete\" or \"set_null\", or insert the parent rows first",
                        key.name,
                        parent.name
                    )));
                }
                // Every placeholder gets the same defaults: a unique key made only of defaulted
                // columns would repeat.
                let nulls = self.placeholder_nulls(parent);
                let defaulted = |c: &String| {
                    !placed.contains(c)
                        && !nulls.contains(c)
                        && parent.column(c).is_some_and(|col| col.default.is_some())
                };
                let keys = parent
                    .constraints
                    .iter()
                    .filter(|k| k.kind == ConstraintKind::Unique)
                    .map(|k| (&k.name, &k.columns))
                    .chain(
                        parent
                            .indexes
                            .iter()
                            .filter(|i| i.unique)
                            .map(|i| (&i.name, &i.columns)),
                    );
                // A key on its own table points each placeholder at itself: its key columns take
                // the missing key, which the orphan rows already hold.
                let own: Vec<&String> = if child.name == parent.name {
                    self.columns
                        .iter()
                        .filter(|c| !self.references.columns.contains(c))
                        .collect()
                } else {
                    Vec::new()
                };
                let keys: Vec<(&String, &Vec<String>)> = keys.collect();
                if let Some((name, _)) = keys
                    .iter()
                    .find(|(_, cols)| !cols.is_empty() && cols.iter().all(|c| own.contains(&c)))
                {
                    return Err(Refusal::new(RefusalKind::Invalid, format!(
                        "orphans = \"placeholder\" would write each missing key into {} of its placeholder row too (a key on its own table points placeholders at themselves), which the orphan rows already hold: unique key {name} of \"{}\" would repeat",
                        self.columns.join(", "),
                        parent.name
                    )));
                }
                for (name, columns) in keys {
                    if !columns.is_empty() && columns.iter().all(defaulted) {
                        return Err(Refusal::new(RefusalKind::Invalid, format!(
                            "orphans = \"placeholder\" would give every parent row the same default {} and repeat unique key {name} of \"{}\"",
                            columns.join(", "),
                            parent.name
                        )));
                    }
                }
            }
            OrphanMode::Delete => {
                // Deleting a row can orphan (or, by CASCADE, delete) the rows that point at it:
                // other tables' and the table's own, and those of the new key itself when it
                // references its own table.
                let replaced = self.replace.as_ref().map(|r| format!("{}.{r}", child.name));
                let incoming: Vec<&str> = child
                    .referenced_by
                    .iter()
                    .map(String::as_str)
                    .filter(|r| Some(*r) != replaced.as_deref())
                    .collect();
                if child.name == parent.name {
                    return Err(Refusal::new(RefusalKind::Invalid, format!(
                        "orphans = \"delete\" on a key of \"{}\" that references its own table could orphan the rows pointing at the deleted ones; use set_null or placeholder",
                        child.name
                    )));
                }
                if !incoming.is_empty() {
                    return Err(Refusal::new(RefusalKind::Dependents, format!(
                        "orphans = \"delete\" on \"{}\" could cascade to rows that reference it ({}); handle those first or use set_null",
                        child.name,
                        incoming.join(", ")
                    )));
                }
            }
            OrphanMode::Fail => {}
        }
        Ok((child, parent))
    }
}
