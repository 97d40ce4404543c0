//! SQLite's documented procedure for the changes `ALTER TABLE` cannot make
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>), started from the table's own
//! `CREATE TABLE` text: inside the migration's transaction, the table is set aside, created
//! anew from the edited text (so `sqlite_master` holds exactly that text), its rows copied
//! over, `sqlite_sequence`'s counter carried, the old table dropped and its indexes and
//! triggers re-created from their own texts. The inverse is the same procedure back to the
//! text as it was.
//!
//! strata's session runs with `foreign_keys = OFF` and `legacy_alter_table = ON`, so setting
//! the table aside rewrites nothing that refers to it: views, other tables' triggers and
//! foreign keys keep their text and find the new table under the same name. SQLite checks
//! the schema after that rename, though, and a CHECK or index of the table that qualifies a
//! column with the table's name (`orders.amount`) no longer resolves under the aside name; for
//! such a table the rows are copied aside instead of the table renamed.

use strata_core::schema::Table;
use strata_core::steps::fit_identifier;

use crate::ddl::lexer::same_name;
use crate::ddl::refs::{table_qualifiers, target};
use crate::ddl::{parse, CreateTable};
use crate::sql::{ident, idents, string};

/// One rebuild of a table.
pub struct Rebuild<'a> {
    /// The table as it is when the rebuild runs: its indexes and triggers are re-created.
    pub table: &'a Table,
    /// Its `CREATE TABLE` text at that point, read.
    pub from: &'a CreateTable<'a>,
    /// The text it is created from.
    pub to: &'a str,
    /// Columns of the new table computed from the old row (`strata_row`) instead of copied.
    pub values: &'a [(String, String)],
}

impl Rebuild<'_> {
    /// The statements, or why the new text cannot be used.
    pub fn statements(&self) -> Result<String, String> {
        let to = parse(self.to).map_err(|e| {
            format!(
                "strata's new text for \"{}\" does not read back ({e}): {}",
                self.table.name, self.to
            )
        })?;
        let name = &self.table.name.name;
        let aside = fit_identifier(&format!("strata_tmp_{name}"));
        let stored: Vec<&str> = self
            .from
            .columns()
            .map(|(_, c)| c.name.value.as_str())
            // The columns strata reads (`pragma_table_xinfo` with `hidden = 0`): never a
            // generated one, which SQLite computes and refuses to be given.
            .filter(|c| self.table.columns.iter().any(|m| same_name(&m.name, c)))
            .collect();
        let mut targets = Vec::new();
        let mut exprs = Vec::new();
        for (_, c) in to.columns().filter(|(_, c)| !c.generated()) {
            let computed = self
                .values
                .iter()
                .find(|(n, _)| same_name(n, &c.name.value));
            let expr = match (
                computed,
                stored.iter().find(|s| same_name(s, &c.name.value)),
            ) {
                (Some((_, e)), _) => e.clone(),
                (None, Some(old)) => format!("strata_row.{}", ident(old)),
                // A new column with no value: its default, as an added column gets.
                (None, None) => continue,
            };
            targets.push(ident(&c.name.value));
            exprs.push(expr);
        }
        let copy_aside = self.qualifies_itself();
        if let Some(rowid) = self.rowid(&to) {
            targets.insert(0, rowid.to_owned());
            exprs.insert(
                0,
                if copy_aside {
                    "strata_row.strata_rowid".to_owned()
                } else {
                    format!("strata_row.{rowid}")
                },
            );
        }
        let sequence = self.from.autoincrement() && to.autoincrement();
        let (t, a) = (ident(name), ident(&aside));
        let mut sql = Vec::new();
        if copy_aside {
            let mut columns = vec!["strata_rowid".to_owned()];
            columns.extend(stored.iter().map(|c| ident(c)));
            let rowid = self.rowid(&to).unwrap_or("NULL");
            // Untyped columns: no affinity, so every value is copied as it is stored.
            sql.push(format!("CREATE TABLE {a} ({})", columns.join(", ")));
            sql.push(format!(
                "INSERT INTO {a} SELECT {rowid}, {} FROM {t}",
                idents(&stored)
            ));
            if sequence {
                // DROP TABLE would delete the counter; it is parked under the copy's name.
                sql.push(format!(
                    "UPDATE sqlite_sequence SET name = {} WHERE name = {}",
                    string(&aside),
                    string(name)
                ));
            }
            sql.push(format!("DROP TABLE {t}"));
        } else {
            // Set again for each rebuild, not trusted from the session: a `rename_table` whose
            // `RENAME TO` failed never ran the statement that turns it back on, and a `sql` step
            // may turn it off. Without it the rename aside rewrites every view, trigger and
            // foreign key naming the table to the aside name, which is then dropped.
            sql.push("PRAGMA legacy_alter_table = ON".to_owned());
            sql.push(format!("ALTER TABLE {t} RENAME TO {a}"));
        }
        sql.push(self.to.to_owned());
        sql.push(format!(
            "INSERT INTO {t} ({}) SELECT {} FROM {a} strata_row",
            targets.join(", "),
            exprs.join(", ")
        ));
        if sequence {
            // The copy made its own counter (the highest key copied); the original one, which
            // may be higher, follows the table.
            sql.push(format!(
                "DELETE FROM sqlite_sequence WHERE name = {}",
                string(name)
            ));
            sql.push(format!(
                "UPDATE sqlite_sequence SET name = {} WHERE name = {}",
                string(name),
                string(&aside)
            ));
        }
        sql.push(format!("DROP TABLE {a}"));
        sql.extend(self.table.indexes.iter().map(|i| i.definition.clone()));
        sql.extend(self.table.triggers.iter().map(|t| t.definition.clone()));
        Ok(sql.join(";\n"))
    }

    /// Whether the table's CHECKs or indexes name it (`t.col`), which the rename aside breaks.
    fn qualifies_itself(&self) -> bool {
        let name = &self.table.name.name;
        let sql = self.from.sql;
        !table_qualifiers(sql, self.from.name.span.end..sql.len(), name).is_empty()
            || self.table.indexes.iter().any(|i| {
                target(&i.definition).is_some_and(|(on, _)| {
                    !table_qualifiers(&i.definition, on.end..i.definition.len(), name).is_empty()
                })
            })
    }

    /// The name the rows' `rowid` is copied under, so it survives the copy, when both tables
    /// have one of their own (not `WITHOUT ROWID`, and no `INTEGER PRIMARY KEY` column that
    /// is the rowid and copied as a column): the first of SQLite's three names for it that
    /// no column takes.
    fn rowid(&self, to: &CreateTable<'_>) -> Option<&'static str> {
        let own = |t: &CreateTable<'_>| !t.without_rowid && t.rowid_alias().is_none();
        if !own(self.from) || !own(to) {
            return None;
        }
        ["rowid", "oid", "_rowid_"]
            .into_iter()
            .find(|n| self.from.column(n).is_none() && to.column(n).is_none())
    }
}

#[cfg(test)]
#[path = "rebuild_tests.rs"]
mod tests;
