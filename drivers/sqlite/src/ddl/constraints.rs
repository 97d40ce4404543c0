//! A table's foreign keys, CHECKs and UNIQUE constraints as strata names them, read from its
//! `CREATE TABLE` text, where SQLite keeps their names and nowhere else: a named constraint
//! by its name however it is quoted; an unnamed foreign key `<table>_<columns>_fkey` and an
//! unnamed CHECK `<table>_<column>_check` (or `<table>_check` at table level), with a number
//! after a name already taken — the names PostgreSQL would give them.

use std::collections::BTreeSet;
use std::ops::Range;

use super::model::{
    ColumnConstraintKind, CreateTable, ForeignKeyClause, ItemKind, TableConstraintKind,
};

/// Where a constraint is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A table constraint: the item's index.
    Table(usize),
    /// A column constraint: the column's item and the constraint's index in it.
    Column(usize, usize),
}

/// One foreign key.
#[derive(Debug, Clone)]
pub struct ForeignKey<'t> {
    pub name: String,
    /// The child columns, by their declared names.
    pub columns: Vec<String>,
    pub clause: &'t ForeignKeyClause,
    pub place: Place,
}

/// One CHECK constraint.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    /// The column it is declared on, for a column constraint.
    pub column: Option<String>,
    /// Its expression, between the parentheses.
    pub expr: Range<usize>,
}

/// One UNIQUE constraint (PRIMARY KEY is read from `pragma_table_info`).
#[derive(Debug, Clone)]
pub struct Unique {
    pub name: Option<String>,
    /// By declared name; `None` for an expression.
    pub columns: Vec<Option<String>>,
}

impl CreateTable<'_> {
    /// Every foreign key, in the order of the text (`pragma_foreign_key_list` numbers them
    /// the other way round).
    pub fn foreign_keys(&self) -> Vec<ForeignKey<'_>> {
        let table = &self.name.value;
        let mut out = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let mut push = |name: Option<&String>, columns: Vec<String>, clause, place| {
                let name = name
                    .cloned()
                    .unwrap_or_else(|| format!("{table}_{}_fkey", columns.join("_")));
                out.push(ForeignKey {
                    name,
                    columns,
                    clause,
                    place,
                });
            };
            match &item.kind {
                ItemKind::Column(c) => {
                    for (j, k) in c.constraints.iter().enumerate() {
                        if let ColumnConstraintKind::References(clause) = &k.kind {
                            let name = k.name.as_ref().map(|n| &n.value);
                            push(
                                name,
                                vec![c.name.value.clone()],
                                clause,
                                Place::Column(i, j),
                            );
                        }
                    }
                }
                ItemKind::Constraint(k) => {
                    if let TableConstraintKind::ForeignKey { columns, clause } = &k.kind {
                        let columns = columns
                            .iter()
                            .map(|n| self.declared_name(&n.value))
                            .collect();
                        push(
                            k.name.as_ref().map(|n| &n.value),
                            columns,
                            clause,
                            Place::Table(i),
                        );
                    }
                }
            }
        }
        out
    }

    /// The foreign key strata calls `name`.
    pub fn foreign_key(&self, name: &str) -> Option<ForeignKey<'_>> {
        self.foreign_keys().into_iter().find(|f| f.name == name)
    }

    /// Every CHECK constraint, in the order of the text.
    pub fn checks(&self) -> Vec<Check> {
        let table = &self.name.value;
        let mut found: Vec<(Option<String>, Option<String>, Range<usize>)> = Vec::new();
        for item in &self.items {
            match &item.kind {
                ItemKind::Column(c) => {
                    for k in &c.constraints {
                        if let ColumnConstraintKind::Check { expr } = &k.kind {
                            let name = k.name.as_ref().map(|n| n.value.clone());
                            found.push((name, Some(c.name.value.clone()), expr.clone()));
                        }
                    }
                }
                ItemKind::Constraint(k) => {
                    if let TableConstraintKind::Check { expr } = &k.kind {
                        let name = k.name.as_ref().map(|n| n.value.clone());
                        found.push((name, None, expr.clone()));
                    }
                }
            }
        }
        let mut taken: BTreeSet<String> = found.iter().filter_map(|f| f.0.clone()).collect();
        found
            .into_iter()
            .map(|(name, column, expr)| {
                let name = name.unwrap_or_else(|| {
                    let base = match &column {
                        Some(c) => format!("{table}_{c}_check"),
                        None => format!("{table}_check"),
                    };
                    let free = (0..)
                        .map(|n| {
                            if n == 0 {
                                base.clone()
                            } else {
                                format!("{base}{n}")
                            }
                        })
                        .find(|n| !taken.contains(n))
                        .expect("an unused name");
                    taken.insert(free.clone());
                    free
                });
                Check { name, column, expr }
            })
            .collect()
    }

    /// Every UNIQUE constraint, in the order of the text (the order SQLite numbers their
    /// `sqlite_autoindex_<table>_<n>` indexes in).
    pub fn uniques(&self) -> Vec<Unique> {
        let mut out = Vec::new();
        for item in &self.items {
            match &item.kind {
                ItemKind::Column(c) => {
                    for k in &c.constraints {
                        if matches!(k.kind, ColumnConstraintKind::Unique) {
                            out.push(Unique {
                                name: k.name.as_ref().map(|n| n.value.clone()),
                                columns: vec![Some(c.name.value.clone())],
                            });
                        }
                    }
                }
                ItemKind::Constraint(k) => {
                    if let TableConstraintKind::Unique { parts } = &k.kind {
                        out.push(Unique {
                            name: k.name.as_ref().map(|n| n.value.clone()),
                            columns: parts
                                .iter()
                                .map(|p| p.column.as_ref().map(|n| self.declared_name(&n.value)))
                                .collect(),
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::parse;
    use super::*;

    #[test]
    fn foreign_keys_by_name_however_written() {
        let sql = "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER CONSTRAINT [user fk] REFERENCES users(id), shop INT REFERENCES shops, a, b,\n  constraint `ab``fk`   FOREIGN   KEY (A, b) REFERENCES p (x, y), FOREIGN KEY (b) REFERENCES q(z))";
        let t = parse(sql).unwrap();
        let fks: Vec<(String, Vec<String>, String)> = t
            .foreign_keys()
            .into_iter()
            .map(|f| (f.name, f.columns, f.clause.table.value.clone()))
            .collect();
        assert_eq!(
            fks,
            [
                ("user fk".into(), vec!["user_id".into()], "users".into()),
                (
                    "orders_shop_fkey".into(),
                    vec!["shop".into()],
                    "shops".into()
                ),
                ("ab`fk".into(), vec!["a".into(), "b".into()], "p".into()),
                ("orders_b_fkey".into(), vec!["b".into()], "q".into()),
            ]
        );
        assert_eq!(t.foreign_key("ab`fk").unwrap().place, Place::Table(5));
        assert_eq!(t.foreign_key("user fk").unwrap().place, Place::Column(1, 0));
    }

    #[test]
    fn checks_named_or_given_postgres_style_names() {
        let sql = "CREATE TABLE t (a INT CHECK (a > 0) CHECK (a < 9), b INT CONSTRAINT b_ok CHECK (b <> 0), CHECK (a < b), CONSTRAINT t_check CHECK (1), CHECK (2))";
        let t = parse(sql).unwrap();
        let names: Vec<String> = t.checks().into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "t_a_check",
                "t_a_check1",
                "b_ok",
                "t_check1",
                "t_check",
                "t_check2"
            ]
        );
        assert_eq!(&sql[t.checks()[3].expr.clone()], "a < b");
    }

    #[test]
    fn uniques_in_declaration_order() {
        let t = parse(
            "CREATE TABLE p (a UNIQUE, b, c, CONSTRAINT pu UNIQUE (B, c), UNIQUE (lower(c)))",
        )
        .unwrap();
        let u: Vec<(Option<String>, Vec<Option<String>>)> = t
            .uniques()
            .into_iter()
            .map(|u| (u.name, u.columns))
            .collect();
        assert_eq!(
            u,
            [
                (None, vec![Some("a".into())]),
                (Some("pu".into()), vec![Some("b".into()), Some("c".into())]),
                (None, vec![None]),
            ]
        );
    }
}
