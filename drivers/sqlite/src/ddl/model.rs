//! A `CREATE TABLE` statement as SQLite's grammar reads it (`parse.y`: `create_table_args`,
//! `carglist`, `conslist`, `table_option_set`): each column definition and table constraint,
//! with its span and name, so that an edit can touch one clause and leave every other byte.
//! Read by `table.rs`.

use std::ops::Range;

use super::cursor::Name;
use super::lexer::same_name;

/// A parsed `CREATE TABLE` text.
#[derive(Debug, Clone)]
pub struct CreateTable<'a> {
    /// The text.
    pub sql: &'a str,
    /// The table's name.
    pub name: Name,
    /// Offset of the `)` closing the definitions.
    pub close: usize,
    /// Column definitions and table constraints, in order.
    pub items: Vec<Item>,
    pub without_rowid: bool,
    pub strict: bool,
}

/// One column definition or table constraint.
#[derive(Debug, Clone)]
pub struct Item {
    /// From its first token to its last.
    pub span: Range<usize>,
    /// The comma before it (SQLite lets table constraints follow each other without one).
    pub comma: Option<usize>,
    pub kind: ItemKind,
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    Column(ColumnDef),
    Constraint(TableConstraint),
}

#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: Name,
    /// The declared type's tokens, `VARCHAR(20)`, `UNSIGNED BIG INT`; none when untyped.
    pub ty: Option<Range<usize>>,
    pub constraints: Vec<ColumnConstraint>,
}

/// A column constraint: from `CONSTRAINT name` (when named) to its last token.
#[derive(Debug, Clone)]
pub struct ColumnConstraint {
    pub span: Range<usize>,
    pub name: Option<Name>,
    pub kind: ColumnConstraintKind,
}

#[derive(Debug, Clone)]
pub enum ColumnConstraintKind {
    PrimaryKey {
        desc: bool,
        autoincrement: bool,
    },
    NotNull,
    Null,
    Unique,
    Check {
        expr: Range<usize>,
    },
    /// The value's bytes, after `DEFAULT`.
    Default {
        value: Range<usize>,
    },
    Collate,
    References(ForeignKeyClause),
    /// `[GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]`.
    Generated {
        expr: Range<usize>,
    },
    /// A lone `[NOT] DEFERRABLE …`, which SQLite applies to the foreign key before it.
    Deferrable,
}

#[derive(Debug, Clone)]
pub struct TableConstraint {
    pub name: Option<Name>,
    pub kind: TableConstraintKind,
}

#[derive(Debug, Clone)]
pub enum TableConstraintKind {
    PrimaryKey {
        parts: Vec<KeyPart>,
    },
    Unique {
        parts: Vec<KeyPart>,
    },
    Check {
        expr: Range<usize>,
    },
    ForeignKey {
        columns: Vec<Name>,
        clause: ForeignKeyClause,
    },
}

/// One element of a PRIMARY KEY or UNIQUE list.
#[derive(Debug, Clone)]
pub struct KeyPart {
    pub span: Range<usize>,
    /// The column, when the element names one (`a COLLATE nocase DESC`), not an expression.
    pub column: Option<Name>,
}

/// `REFERENCES parent [(columns)] [ON DELETE …] [ON UPDATE …] [MATCH …] [DEFERRABLE …]`
/// (the actions are read from `pragma_foreign_key_list`).
#[derive(Debug, Clone)]
pub struct ForeignKeyClause {
    pub table: Name,
    pub columns: Vec<Name>,
}

impl CreateTable<'_> {
    /// The column definitions, with their item's index.
    pub fn columns(&self) -> impl Iterator<Item = (usize, &ColumnDef)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| match &it.kind {
                ItemKind::Column(c) => Some((i, c)),
                ItemKind::Constraint(_) => None,
            })
    }

    /// The table constraints, with their item's index.
    pub fn constraints(&self) -> impl Iterator<Item = (usize, &TableConstraint)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| match &it.kind {
                ItemKind::Constraint(c) => Some((i, c)),
                ItemKind::Column(_) => None,
            })
    }

    /// The column named `name` (as SQLite compares names), with its item's index.
    pub fn column(&self, name: &str) -> Option<(usize, &ColumnDef)> {
        self.columns().find(|(_, c)| same_name(&c.name.value, name))
    }

    /// The declared name of the column `name` refers to, or `name` when there is none.
    pub fn declared_name(&self, name: &str) -> String {
        self.column(name)
            .map_or_else(|| name.to_owned(), |(_, c)| c.name.value.clone())
    }

    /// Whether a column has `AUTOINCREMENT`, so `sqlite_sequence` holds a counter for it.
    pub fn autoincrement(&self) -> bool {
        let in_column = self.columns().any(|(_, c)| {
            c.constraints.iter().any(|k| {
                matches!(
                    k.kind,
                    ColumnConstraintKind::PrimaryKey {
                        autoincrement: true,
                        ..
                    }
                )
            })
        });
        let in_table = self.constraints().any(|(_, k)| match &k.kind {
            TableConstraintKind::PrimaryKey { parts } => parts.iter().any(|p| {
                self.sql[p.span.clone()]
                    .to_ascii_uppercase()
                    .ends_with("AUTOINCREMENT")
            }),
            _ => false,
        });
        in_column || in_table
    }

    /// The column that is the table's `rowid` (an `INTEGER PRIMARY KEY`), if any.
    pub fn rowid_alias(&self) -> Option<&ColumnDef> {
        if self.without_rowid {
            return None;
        }
        let integer = |c: &ColumnDef| {
            c.ty.as_ref()
                .is_some_and(|t| self.sql[t.clone()].eq_ignore_ascii_case("INTEGER"))
        };
        // `INTEGER PRIMARY KEY DESC` on the column is, for compatibility, not an alias.
        let inline = self.columns().map(|(_, c)| c).find(|c| {
            integer(c)
                && c.constraints
                    .iter()
                    .any(|k| matches!(k.kind, ColumnConstraintKind::PrimaryKey { desc: false, .. }))
        });
        inline.or_else(|| {
            self.constraints().find_map(|(_, k)| match &k.kind {
                TableConstraintKind::PrimaryKey { parts } if parts.len() == 1 => parts[0]
                    .column
                    .as_ref()
                    .and_then(|n| self.column(&n.value))
                    .map(|(_, c)| c)
                    .filter(|c| integer(c)),
                _ => None,
            })
        })
    }
}

impl ColumnDef {
    /// Whether its value is computed (`GENERATED ALWAYS AS`): such a column is never inserted.
    pub fn generated(&self) -> bool {
        self.constraints
            .iter()
            .any(|k| matches!(k.kind, ColumnConstraintKind::Generated { .. }))
    }
}
