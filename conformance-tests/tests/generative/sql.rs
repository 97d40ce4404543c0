//! The DDL and rows of a generated schema in SQL, for the three SQL engines: what differs
//! between them is a [`Flavor`].

use strata_conformance::generative::model::{CheckRule, Schema, Table, ViewSource};
use strata_core::{PortableType, Statement, Value};

/// How one SQL engine spells things.
pub trait Flavor {
    /// A quoted identifier.
    fn ident(&self, name: &str) -> String;
    /// The type, as people write it on this engine.
    fn type_name(&self, ty: PortableType) -> String;
    /// A literal of `ty`.
    fn literal(&self, ty: PortableType, v: &Value) -> String;
    /// The column definition of a key the engine numbers itself.
    fn generated_key(&self, table: &Table, column: &str, ty: PortableType) -> String;
    /// Whether foreign keys may be added by `ALTER TABLE` after the table.
    fn alter_add_constraint(&self) -> bool;
    /// Whether `CREATE INDEX … WHERE` works.
    fn partial_indexes(&self) -> bool;
    /// Statements that make the table's trigger stamp `column` with `value`.
    fn trigger(&self, table: &Table, name: &str, column: &str, value: &str) -> Vec<String>;
    /// Statements commenting the table (after it exists).
    fn comment(&self, table: &Table, comment: &str) -> Vec<String>;
    /// Table options after the closing parenthesis.
    fn table_options(&self, _table: &Table) -> String {
        String::new()
    }
}

/// `schema.table`, quoted.
pub fn qualified(f: &dyn Flavor, t: &Table) -> String {
    match &t.schema {
        Some(s) => format!("{}.{}", f.ident(s), f.ident(&t.name)),
        None => f.ident(&t.name),
    }
}

/// A string literal: quotes doubled (the engines run with standard strings / no backslash
/// escapes).
pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn idents(f: &dyn Flavor, cols: &[String]) -> String {
    cols.iter()
        .map(|c| f.ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_sql(f: &dyn Flavor, column: &str, rule: CheckRule) -> String {
    match rule {
        CheckRule::AtLeast(min) => format!("{} >= {min}", f.ident(column)),
        CheckRule::NotEmpty => format!("{} <> ''", f.ident(column)),
    }
}

/// Every statement that makes `schema` and fills it.
pub fn build(f: &dyn Flavor, schema: &Schema) -> Vec<Statement> {
    let mut out: Vec<String> = Vec::new();
    let mut schemas: Vec<&String> = schema
        .tables
        .iter()
        .filter_map(|t| t.schema.as_ref())
        .collect();
    schemas.dedup();
    for s in schemas {
        out.push(format!("CREATE SCHEMA IF NOT EXISTS {}", f.ident(s)));
    }
    for t in &schema.tables {
        let mut defs = Vec::new();
        for c in &t.columns {
            if t.generated_key && t.primary_key == [c.name.clone()] {
                defs.push(f.generated_key(t, &c.name, c.ty));
                continue;
            }
            let mut d = format!("{} {}", f.ident(&c.name), f.type_name(c.ty));
            if !c.nullable {
                d.push_str(" NOT NULL");
            }
            if let Some(v) = &c.default {
                d.push_str(&format!(" DEFAULT {}", f.literal(c.ty, v)));
            }
            if t.primary_key == [c.name.clone()] {
                d.push_str(" PRIMARY KEY");
            }
            defs.push(d);
        }
        if t.primary_key.len() > 1 {
            defs.push(format!("PRIMARY KEY ({})", idents(f, &t.primary_key)));
        }
        for u in &t.uniques {
            defs.push(match &u.name {
                Some(n) => format!(
                    "CONSTRAINT {} UNIQUE ({})",
                    f.ident(n),
                    idents(f, &u.columns)
                ),
                None => format!("UNIQUE ({})", idents(f, &u.columns)),
            });
        }
        for k in &t.checks {
            let body = check_sql(f, &k.column, k.rule);
            defs.push(match &k.name {
                Some(n) => format!("CONSTRAINT {} CHECK ({body})", f.ident(n)),
                None => format!("CHECK ({body})"),
            });
        }
        for fk in t
            .foreign_keys
            .iter()
            .filter(|fk| !fk.added_later || !f.alter_add_constraint())
        {
            defs.push(foreign_key(f, schema, fk));
        }
        out.push(format!(
            "CREATE TABLE {} (\n  {}\n){}",
            qualified(f, t),
            defs.join(",\n  "),
            f.table_options(t)
        ));
        if let Some(c) = &t.comment {
            out.extend(f.comment(t, c));
        }
    }
    for t in &schema.tables {
        for fk in t
            .foreign_keys
            .iter()
            .filter(|fk| fk.added_later && f.alter_add_constraint())
        {
            out.push(format!(
                "ALTER TABLE {} ADD {}",
                qualified(f, t),
                foreign_key(f, schema, fk)
            ));
        }
        for fk in t.foreign_keys.iter().filter(|fk| fk.own_index) {
            out.push(format!(
                "CREATE INDEX {} ON {} ({})",
                f.ident(&format!("{}_{}_fkix", t.name, fk.columns.join("_"))),
                qualified(f, t),
                idents(f, &fk.columns)
            ));
        }
        for i in &t.indexes {
            let mut s = format!(
                "CREATE {}INDEX {} ON {} ({})",
                if i.unique { "UNIQUE " } else { "" },
                f.ident(&i.name),
                qualified(f, t),
                idents(f, &i.columns)
            );
            if i.partial && f.partial_indexes() {
                s.push_str(&format!(" WHERE {} IS NOT NULL", f.ident(&i.columns[0])));
            }
            out.push(s);
        }
    }
    for g in &schema.triggers {
        out.extend(f.trigger(&schema.tables[g.table], &g.name, &g.column, &g.value));
    }
    for t in &schema.tables {
        if t.rows.is_empty() {
            continue;
        }
        let values: Vec<String> = t
            .rows
            .iter()
            .map(|r| {
                let v: Vec<String> = t
                    .columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| f.literal(c.ty, v))
                    .collect();
                format!("({})", v.join(", "))
            })
            .collect();
        let cols: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        out.push(format!(
            "INSERT INTO {} ({}) VALUES {}",
            qualified(f, t),
            idents(f, &cols),
            values.join(", ")
        ));
    }
    for (i, v) in schema.views.iter().enumerate() {
        let source = match v.source {
            ViewSource::Table(t) => qualified(f, &schema.tables[t]),
            ViewSource::View(w) => f.ident(&schema.views[w].name),
        };
        let _ = i;
        out.push(format!(
            "CREATE VIEW {} AS SELECT {} FROM {source}",
            f.ident(&v.name),
            idents(f, &v.columns)
        ));
    }
    out.into_iter().map(Statement::Sql).collect()
}

fn foreign_key(
    f: &dyn Flavor,
    schema: &Schema,
    fk: &strata_conformance::generative::model::ForeignKey,
) -> String {
    let body = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
        idents(f, &fk.columns),
        qualified(f, &schema.tables[fk.parent]),
        idents(f, &fk.parent_columns),
        fk.on_delete
    );
    match &fk.name {
        Some(n) => format!("CONSTRAINT {} {body}", f.ident(n)),
        None => body,
    }
}

/// The hex digits of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A number or a quoted string, as `v` holds it.
pub fn plain(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format!("{x:?}"),
        Value::Text(s) => quoted(s),
        Value::Bytes(b) => format!("X'{}'", hex(b)),
        Value::Json(j) => quoted(&j.to_string()),
    }
}
