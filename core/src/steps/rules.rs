//! What an engine allows in names, and the lookups every step's pre-flight starts with: the
//! objects a step names exist. A failed check is a refusal in the plan and an error at compile
//! time, with the same words.

use crate::name::QualifiedName;
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{Column, Snapshot, Table};

/// A check's outcome: the objects it found, or why the step cannot run.
pub type Checked<T> = std::result::Result<T, Refusal>;

/// What an engine allows in names.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The engine's name in messages (`PostgreSQL`).
    pub engine: &'static str,
    /// The longest identifier the engine keeps.
    pub max_name: usize,
    /// Whether `max_name` counts bytes (PostgreSQL) or characters (MySQL).
    pub name_in_bytes: bool,
    /// Whether names may be schema-qualified.
    pub schemas: bool,
    /// Whether every row has an identity of its own (MongoDB's `_id`), so that backing rows up
    /// and putting them back needs no primary key.
    pub row_ids: bool,
    /// Why the engine would reject or change a new name (`what`: "table name", "column
    /// name", …), beyond its length: refused in the plan instead of by the server half way.
    pub forbidden: fn(what: &str, name: &str) -> Option<String>,
}

/// [`Rules::forbidden`] for an engine that takes any name strata quotes.
pub fn any_name(_what: &str, _name: &str) -> Option<String> {
    None
}

impl Rules {
    /// Refuses a new name the engine would truncate or reject.
    pub fn new_name(&self, what: &str, name: &str) -> Checked<()> {
        if let Some(why) = (self.forbidden)(what, name) {
            return Err(Refusal::new(
                RefusalKind::Name,
                format!("{what} {name:?}: {why}"),
            ));
        }
        let (len, unit) = if self.name_in_bytes {
            (name.len(), "bytes")
        } else {
            (name.chars().count(), "characters")
        };
        if len > self.max_name {
            let verb = if self.name_in_bytes {
                "keeps only"
            } else {
                "allows"
            };
            return Err(Refusal::new(
                RefusalKind::Name,
                format!(
                    "{what} \"{name}\" is {len} {unit} long; {} {verb} {}",
                    self.engine, self.max_name
                ),
            ));
        }
        Ok(())
    }

    /// The table named `name`.
    pub fn table<'a>(&self, snapshot: &'a Snapshot, name: &QualifiedName) -> Checked<&'a Table> {
        if name.schema.is_some() && !self.schemas {
            return Err(Refusal::new(
                RefusalKind::Unsupported,
                format!(
                "\"{name}\": schema-qualified names are not supported on {} (capability `schemas`)",
                self.engine
            ),
            ));
        }
        snapshot
            .table(name)
            .ok_or_else(|| Refusal::missing(name, format!("table \"{name}\" does not exist")))
    }

    /// The table and its column.
    pub fn table_column<'a>(
        &self,
        snapshot: &'a Snapshot,
        table: &QualifiedName,
        column: &str,
    ) -> Checked<(&'a Table, &'a Column)> {
        let t = self.table(snapshot, table)?;
        Ok((t, find_column(t, column)?))
    }
}

/// The column named `name` of `t`.
pub fn find_column<'a>(t: &'a Table, name: &str) -> Checked<&'a Column> {
    t.column(name).ok_or_else(|| {
        Refusal::missing(
            format!("{}.{name}", t.name),
            format!("column \"{name}\" does not exist in table \"{}\"", t.name),
        )
    })
}

/// `t`'s primary key; `why` says what strata needs it for.
pub fn primary_key<'a>(t: &'a Table, why: &str) -> Checked<&'a [String]> {
    if t.primary_key.is_empty() {
        Err(Refusal::new(
            RefusalKind::Precondition,
            format!(
                "table \"{}\" has no primary key, so strata cannot {why}; add one first",
                t.name
            ),
        ))
    } else {
        Ok(&t.primary_key)
    }
}

pub(crate) fn name_taken(t: &Table, name: &str) -> Checked<()> {
    if t.indexes.iter().any(|i| i.name == name) || t.constraint(name).is_some() {
        return Err(Refusal::new(
            RefusalKind::Exists,
            format!(
                "table \"{}\" already has an index or constraint named \"{name}\"",
                t.name
            ),
        ));
    }
    Ok(())
}
