//! The schemas the generator makes: tables with typed columns, keys (composite or surrogate),
//! unique and partial indexes, CHECKs, foreign keys made with and without their own index,
//! views and views on views, triggers — the shapes real databases have. A [`Dialect`]
//! writes them as the engine's own DDL.
//!
//! [`Dialect`]: super::Dialect

use fastrand::Rng;
use strata_core::{PortableType, Value};

use super::data;
use super::Features;

/// A generated database.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The tables, parents before children.
    pub tables: Vec<Table>,
    /// Views, each on a table or on an earlier view.
    pub views: Vec<View>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
}

/// A generated table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Its schema (namespace), where the engine has schemas.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Primary key columns (a surrogate `id` or a composite natural key).
    pub primary_key: Vec<String>,
    /// Whether the key is a surrogate the engine numbers itself (identity, serial,
    /// AUTO_INCREMENT, AUTOINCREMENT).
    pub generated_key: bool,
    /// UNIQUE constraints.
    pub uniques: Vec<Unique>,
    /// CHECK constraints.
    pub checks: Vec<Check>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes.
    pub indexes: Vec<Index>,
    /// A comment on the table, where the engine keeps them.
    pub comment: Option<String>,
    /// The rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A generated column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: PortableType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Its default, if any.
    pub default: Option<Value>,
}

/// A UNIQUE constraint.
#[derive(Debug, Clone)]
pub struct Unique {
    /// Its name (`None`: the engine names it).
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A CHECK constraint on one column.
#[derive(Debug, Clone)]
pub struct Check {
    /// Its name (`None`: the engine names it).
    pub name: Option<String>,
    /// The column it checks.
    pub column: String,
    /// What it checks.
    pub rule: CheckRule,
}

/// What a CHECK says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckRule {
    /// A number column is not below its minimum generated value.
    AtLeast(i64),
    /// A text column is not the empty string.
    NotEmpty,
}

/// A foreign key.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    /// Its name (`None`: the engine names it).
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
    /// The referenced table (an index into [`Schema::tables`], never after this one, or
    /// this one for a self-reference).
    pub parent: usize,
    /// The referenced columns (the parent's primary key).
    pub parent_columns: Vec<String>,
    /// Added by `ALTER TABLE … ADD CONSTRAINT` after the table, rather than inline.
    pub added_later: bool,
    /// Whether an index of its own is made for it (else the engine makes one, or none).
    pub own_index: bool,
    /// `ON DELETE` action (SQL spelling).
    pub on_delete: &'static str,
}

/// An index.
#[derive(Debug, Clone)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// Unique.
    pub unique: bool,
    /// Partial: only rows whose first column is not NULL, where the engine can say so.
    pub partial: bool,
}

/// A view: some columns of a table, or all columns of an earlier view.
#[derive(Debug, Clone)]
pub struct View {
    /// Its name.
    pub name: String,
    /// What it reads.
    pub source: ViewSource,
    /// The columns it shows.
    pub columns: Vec<String>,
}

/// What a view reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewSource {
    /// A table, by index.
    Table(usize),
    /// An earlier view, by index.
    View(usize),
}

/// A trigger that stamps a column of its own with a constant on every insert and update:
/// idempotent, so that strata's own updates (fills, restores) leave every row as it was.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// The table, by index.
    pub table: usize,
    /// The column it stamps (no step touches it).
    pub column: String,
    /// The constant.
    pub value: String,
}

impl Table {
    /// `schema.name` or `name`, as migration files spell it.
    pub fn qualified(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Schema {
    /// The table a view reads, through views on views.
    pub fn view_table(&self, view: usize) -> usize {
        match self.views[view].source {
            ViewSource::Table(t) => t,
            ViewSource::View(v) => self.view_table(v),
        }
    }

    /// The trigger columns of table `t`: no step may touch them.
    pub fn stamped(&self, t: usize) -> Vec<&str> {
        self.triggers
            .iter()
            .filter(|g| g.table == t)
            .map(|g| g.column.as_str())
            .collect()
    }
}

const TABLE_NAMES: &[&str] = &[
    "customers",
    "orders",
    "items",
    "invoices",
    "events",
    "tags",
    "notes",
    "shipments",
];

/// Column names, some of them reserved words or mixed case, as real schemas have.
const COLUMN_NAMES: &[&str] = &[
    "email",
    "age",
    "amount",
    "status",
    "note",
    "created",
    "code",
    "score",
    "ratio",
    "payload",
    "label",
    "total",
    "flags",
    "starts",
    "Nickname",
    "group",
    "order",
    "valid_from",
    "blob",
    "price",
    "qty",
    "title",
    "due",
    "token",
];

/// The portable types, and how often each is picked.
fn any_type(rng: &mut Rng) -> PortableType {
    match rng.u8(0..17) {
        0 => PortableType::Bool,
        1 => PortableType::Int16,
        2 | 3 => PortableType::Int32,
        4 => PortableType::Int64,
        5 => PortableType::Float32,
        6 => PortableType::Float64,
        7 => PortableType::Decimal {
            precision: rng.u8(4..=12),
            scale: rng.u8(0..=3),
        },
        8 | 9 => PortableType::String {
            len: [1, 8, 20, 64, 255][rng.usize(0..5)],
        },
        10 | 11 => PortableType::Text,
        12 => PortableType::Bytes,
        13 => PortableType::Date,
        14 => PortableType::Timestamp,
        15 => PortableType::Uuid,
        _ => [
            PortableType::Json,
            PortableType::Time,
            PortableType::TimestampTz,
        ][rng.usize(0..3)],
    }
}

/// A random type for column `name` (text for the ones a trigger stamps).
pub fn column_type(rng: &mut Rng) -> PortableType {
    any_type(rng)
}

fn fresh<'a>(rng: &mut Rng, pool: &[&'a str], taken: &[String]) -> Option<&'a str> {
    let free: Vec<&&str> = pool
        .iter()
        .filter(|n| !taken.iter().any(|t| t == *n))
        .collect();
    (!free.is_empty()).then(|| *free[rng.usize(0..free.len())])
}

impl Schema {
    /// A random schema of 1–4 tables with rows, for an engine with `features`.
    pub fn generate(rng: &mut Rng, features: &Features) -> Schema {
        let mut tables: Vec<Table> = Vec::new();
        let count = rng.usize(1..=4);
        let mut names: Vec<String> = Vec::new();
        for i in 0..count {
            let Some(name) = fresh(rng, TABLE_NAMES, &names) else {
                break;
            };
            names.push(name.to_owned());
            let schema = (features.schemas && rng.u8(0..4) == 0).then(|| "app".to_owned());
            let table = generate_table(rng, features, name, schema, &tables, i);
            tables.push(table);
        }
        for t in 0..tables.len() {
            let rows = data::rows(rng, &tables, t);
            tables[t].rows = rows;
        }
        let mut schema = Schema {
            tables,
            views: Vec::new(),
            triggers: Vec::new(),
        };
        if features.views {
            for _ in 0..rng.usize(0..=2) {
                add_view(rng, &mut schema);
            }
        }
        if features.triggers && rng.u8(0..3) == 0 {
            let t = rng.usize(0..schema.tables.len());
            let table = &mut schema.tables[t];
            let column = "stamp".to_owned();
            table.columns.push(Column {
                name: column.clone(),
                ty: PortableType::String { len: 20 },
                nullable: true,
                default: None,
            });
            for r in &mut table.rows {
                r.push(Value::Text("seen".into()));
            }
            schema.triggers.push(Trigger {
                name: format!("{}_stamp", table.name),
                table: t,
                column,
                value: "seen".into(),
            });
        }
        schema
    }
}

fn generate_table(
    rng: &mut Rng,
    features: &Features,
    name: &str,
    schema: Option<String>,
    earlier: &[Table],
    index: usize,
) -> Table {
    let mut columns: Vec<Column> = Vec::new();
    let composite = rng.u8(0..5) == 0;
    let generated_key = !composite && features.generated_keys && rng.bool();
    let primary_key: Vec<String> = if composite {
        columns.push(Column {
            name: "region".into(),
            ty: PortableType::String { len: 8 },
            nullable: false,
            default: None,
        });
        columns.push(Column {
            name: "seq".into(),
            ty: PortableType::Int32,
            nullable: false,
            default: None,
        });
        vec!["region".into(), "seq".into()]
    } else {
        columns.push(Column {
            name: "id".into(),
            ty: if rng.bool() {
                PortableType::Int64
            } else {
                PortableType::Int32
            },
            nullable: false,
            default: None,
        });
        vec!["id".into()]
    };
    let mut taken: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    for _ in 0..rng.usize(1..=5) {
        let Some(col) = fresh(rng, COLUMN_NAMES, &taken) else {
            break;
        };
        taken.push(col.to_owned());
        let ty = column_type(rng);
        let nullable = rng.u8(0..4) != 0;
        let default = (rng.u8(0..4) == 0).then(|| data::value(rng, ty, false));
        columns.push(Column {
            name: col.to_owned(),
            ty,
            nullable: nullable || default.is_none() && rng.bool(),
            default,
        });
    }
    let mut table = Table {
        schema,
        name: name.to_owned(),
        columns,
        primary_key,
        generated_key,
        uniques: Vec::new(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        comment: (features.comments && rng.bool()).then(|| format!("{name} of the shop")),
        rows: Vec::new(),
    };
    // References: a key column pointing at an earlier table (or this one), as a foreign key
    // or as a plain column a migration may turn into one.
    if !earlier.is_empty() || rng.u8(0..4) == 0 {
        let parent = if earlier.is_empty() || rng.u8(0..5) == 0 {
            index
        } else {
            rng.usize(0..earlier.len())
        };
        let (parent_name, parent_key, parent_ty) = {
            let p = if parent == index {
                &table
            } else {
                &earlier[parent]
            };
            let key = (p.primary_key.len() == 1).then(|| p.primary_key[0].clone());
            let ty = key
                .as_ref()
                .and_then(|k| p.column(k))
                .map_or(PortableType::Int64, |c| c.ty);
            (p.name.clone(), key, ty)
        };
        if let Some(key) = parent_key {
            let column = format!("{parent_name}_ref");
            if table.column(&column).is_none() {
                table.columns.push(Column {
                    name: column.clone(),
                    ty: parent_ty,
                    nullable: true,
                    default: None,
                });
                if features.foreign_keys && rng.u8(0..3) != 0 {
                    let named = rng.bool();
                    table.foreign_keys.push(ForeignKey {
                        name: named.then(|| format!("{}_{parent_name}_fk", table.name)),
                        columns: vec![column],
                        parent,
                        parent_columns: vec![key],
                        added_later: rng.bool(),
                        own_index: rng.bool(),
                        on_delete: ["NO ACTION", "CASCADE", "SET NULL", "RESTRICT"]
                            [rng.usize(0..4)],
                    });
                }
            }
        }
    }
    let plain: Vec<Column> = table
        .columns
        .iter()
        .filter(|c| !table.primary_key.contains(&c.name))
        .cloned()
        .collect();
    if let Some(c) = pick(rng, &plain).filter(|_| rng.u8(0..3) == 0) {
        if indexable(c.ty) && !c.name.ends_with("_ref") && data::distinct(c.ty, 0).is_some() {
            table.uniques.push(Unique {
                name: rng.bool().then(|| format!("{}_{}_uq", table.name, c.name)),
                columns: vec![c.name.clone()],
            });
        }
    }
    if features.checks && rng.u8(0..3) == 0 {
        // Not on a reference: MariaDB allows no CHECK on a column an ON DELETE SET NULL sets.
        let checkable: Vec<Column> = plain
            .iter()
            .filter(|c| !c.name.ends_with("_ref"))
            .cloned()
            .collect();
        if let Some(c) = pick(rng, &checkable) {
            let rule = if c.ty.is_integer() {
                Some(CheckRule::AtLeast(data::min_generated(c.ty)))
            } else if matches!(c.ty, PortableType::Text | PortableType::String { .. }) {
                Some(CheckRule::NotEmpty)
            } else {
                None
            };
            if let Some(rule) = rule {
                table.checks.push(Check {
                    name: rng.bool().then(|| format!("{}_{}_ck", table.name, c.name)),
                    column: c.name.clone(),
                    rule,
                });
            }
        }
    }
    for n in 0..rng.usize(0..=2) {
        if let Some(c) = pick(rng, &plain) {
            if indexable(c.ty) {
                let second = pick(rng, &plain).filter(|d| d.name != c.name && indexable(d.ty));
                let mut columns = vec![c.name.clone()];
                if let Some(d) = second.filter(|_| rng.bool()) {
                    columns.push(d.name.clone());
                }
                if table.indexes.iter().any(|i| i.columns == columns) {
                    continue;
                }
                table.indexes.push(Index {
                    name: format!("{}_ix{n}", table.name),
                    unique: false,
                    partial: features.partial_indexes && rng.u8(0..3) == 0,
                    columns,
                });
            }
        }
    }
    table
}

/// Whether every engine can index a column of this type without a prefix length.
pub fn indexable(ty: PortableType) -> bool {
    !matches!(
        ty,
        PortableType::Text | PortableType::Bytes | PortableType::Json
    ) && !matches!(ty, PortableType::String { len } if len > 64)
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> Option<&'a T> {
    (!items.is_empty()).then(|| &items[rng.usize(0..items.len())])
}

fn add_view(rng: &mut Rng, schema: &mut Schema) {
    let n = schema.views.len();
    let on_view = n > 0 && rng.bool();
    let (source, available): (ViewSource, Vec<String>) = if on_view {
        let v = rng.usize(0..n);
        (ViewSource::View(v), schema.views[v].columns.clone())
    } else {
        let t = rng.usize(0..schema.tables.len());
        let table = &schema.tables[t];
        let mut cols: Vec<String> = table.primary_key.clone();
        for c in &table.columns {
            if !cols.contains(&c.name) && rng.bool() {
                cols.push(c.name.clone());
            }
        }
        (ViewSource::Table(t), cols)
    };
    let name = format!(
        "v{}_{}",
        n + 1,
        match source {
            ViewSource::Table(t) => schema.tables[t].name.clone(),
            ViewSource::View(v) => schema.views[v].name.clone(),
        }
    );
    schema.views.push(View {
        name,
        source,
        columns: available,
    });
}
