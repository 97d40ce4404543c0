//! SQLite's documented procedure for the changes `ALTER TABLE` cannot make (a column's type,
//! nullability or default, a foreign key): inside the migration's transaction, rename the
//! table aside, create it anew, copy the rows, drop the old one, re-create its indexes and
//! triggers; then `pragma_foreign_key_check`. strata's session runs with `foreign_keys = OFF`
//! and `legacy_alter_table = ON`, so nothing that references the table is rewritten meanwhile.

use strata_core::schema::{ConstraintKind, Table};

use crate::sql::{ident, idents};

/// One column of a table to create.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    /// Name.
    pub name: String,
    /// Declared type.
    pub declared: String,
    /// NOT NULL.
    pub not_null: bool,
    /// Default expression.
    pub default: Option<String>,
}

/// What a table is made of.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Columns in order.
    pub columns: Vec<ColumnDef>,
    /// Primary key.
    pub primary_key: Vec<String>,
    /// Table constraints other than the primary key (UNIQUE, FOREIGN KEY), as SQL.
    pub constraints: Vec<String>,
}

impl Shape {
    /// The shape of a table as inspected.
    pub fn of(t: &Table) -> Shape {
        Shape {
            columns: t
                .columns
                .iter()
                .map(|c| ColumnDef {
                    name: c.name.clone(),
                    declared: c.native_type.clone(),
                    not_null: !c.nullable && !t.primary_key.contains(&c.name),
                    default: c.default.clone(),
                })
                .collect(),
            primary_key: t.primary_key.clone(),
            constraints: t
                .constraints
                .iter()
                .filter(|c| matches!(c.kind, ConstraintKind::Unique | ConstraintKind::ForeignKey))
                .map(|c| {
                    if c.kind == ConstraintKind::Unique {
                        format!("CONSTRAINT {} {}", ident(&c.name), c.definition)
                    } else {
                        c.definition.clone()
                    }
                })
                .collect(),
        }
    }

    /// `CREATE TABLE "name" (…)`.
    pub fn create(&self, name: &str) -> String {
        let mut defs: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let mut d = format!("{} {}", ident(&c.name), c.declared);
                if c.not_null {
                    d.push_str(" NOT NULL");
                }
                if let Some(v) = &c.default {
                    d.push_str(&format!(" DEFAULT {v}"));
                }
                d
            })
            .collect();
        if !self.primary_key.is_empty() {
            defs.push(format!("PRIMARY KEY ({})", idents(&self.primary_key)));
        }
        defs.extend(self.constraints.iter().cloned());
        format!(
            "CREATE TABLE {} (\n  {}\n)",
            ident(name),
            defs.join(",\n  ")
        )
    }
}

/// The statements rebuilding `from` (as it will be when they run) as the table `create`
/// makes, each new column filled by its expression over the old row (`None`: left to its
/// default or NULL), then re-creating `indexes` and `triggers` (SQL).
pub fn rebuild(
    from: &Table,
    create: &str,
    columns: &[(String, Option<String>)],
    indexes: &[String],
    triggers: &[String],
) -> String {
    let name = &from.name.name;
    let aside = strata_core::steps::fit_identifier(&format!("strata_tmp_{name}"));
    let filled: Vec<&(String, Option<String>)> =
        columns.iter().filter(|(_, e)| e.is_some()).collect();
    let mut sql = vec![
        format!("ALTER TABLE {} RENAME TO {}", ident(name), ident(&aside)),
        create.to_owned(),
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {} strata_row",
            ident(name),
            filled
                .iter()
                .map(|(c, _)| ident(c))
                .collect::<Vec<_>>()
                .join(", "),
            filled
                .iter()
                .map(|(_, e)| e.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", "),
            ident(&aside)
        ),
        format!("DROP TABLE {}", ident(&aside)),
    ];
    sql.extend(indexes.iter().filter(|s| !s.is_empty()).cloned());
    sql.extend(triggers.iter().cloned());
    sql.join(";\n")
}

/// The index and trigger SQL of `t` whose columns all exist in `shape`.
pub fn kept_objects(t: &Table, shape: &Shape) -> (Vec<String>, Vec<String>) {
    let has = |c: &String| shape.columns.iter().any(|d| &d.name == c);
    let indexes = t
        .indexes
        .iter()
        .filter(|i| i.columns.iter().all(has))
        .map(|i| i.definition.clone())
        .collect();
    let triggers = t.triggers.iter().map(|tr| tr.definition.clone()).collect();
    (indexes, triggers)
}

/// `"col"` read from the old row.
pub fn keep(column: &str) -> Option<String> {
    Some(format!("strata_row.{}", ident(column)))
}
