//! Re-creating what a step destroys, from the definitions strata read before destroying it:
//! used by the inverses of `drop_table` and `drop_column`.

use strata_core::schema::{Column, ConstraintKind, Table};

use crate::sql::{ident, idents, string, table as qtable};

/// `"name" type [DEFAULT …] [NOT NULL] [GENERATED … AS IDENTITY (…)]`.
pub fn column_definition(t: &Table, c: &Column) -> String {
    let mut def = format!("{} {}", ident(&c.name), c.native_type);
    if let Some(d) = &c.default {
        def.push_str(&format!(" DEFAULT {d}"));
    }
    if !c.nullable {
        def.push_str(" NOT NULL");
    }
    if let Some(kind) = &c.identity {
        let options = t
            .sequences
            .iter()
            .find(|s| s.column == c.name)
            .map(|s| {
                let opts = s
                    .definition
                    .split_once(" INCREMENT")
                    .map_or(String::new(), |(_, rest)| format!("INCREMENT{rest}"));
                format!(" (SEQUENCE NAME {} {opts})", s.name)
            })
            .unwrap_or_default();
        def.push_str(&format!(" GENERATED {kind} AS IDENTITY{options}"));
    }
    def
}

/// Sets each owned sequence of `t` back to the value it had.
pub fn restore_sequences(t: &Table, columns: Option<&str>) -> Vec<String> {
    t.sequences
        .iter()
        .filter(|s| columns.is_none_or(|c| c == s.column))
        .filter_map(|s| {
            s.last_value
                .map(|v| format!("SELECT setval({}::regclass, {v}, true)", string(&s.name)))
        })
        .collect()
}

/// Constraints, then indexes, then triggers of `t` that `keep` selects, in the order that lets
/// each be created (foreign keys last).
pub fn dependent_objects(
    t: &Table,
    keep: &dyn Fn(&[String]) -> bool,
    with_triggers: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut constraints: Vec<_> = t.constraints.iter().filter(|c| keep(&c.columns)).collect();
    constraints.sort_by_key(|c| c.kind == ConstraintKind::ForeignKey);
    for c in constraints {
        out.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            qtable(&t.name),
            ident(&c.name),
            c.definition
        ));
    }
    for i in t
        .indexes
        .iter()
        .filter(|i| keep(&i.columns) || i.columns.is_empty() && keep(&[]))
    {
        out.push(i.definition.clone());
    }
    if with_triggers {
        out.extend(t.triggers.iter().map(|tr| tr.definition.clone()));
    }
    out
}

/// The full script re-creating `t` and filling it from `backup`.
pub fn table_from_backup(t: &Table, backup: &strata_core::QualifiedName) -> String {
    let mut stmts = Vec::new();
    for s in t
        .sequences
        .iter()
        .filter(|s| t.column(&s.column).is_some_and(|c| c.identity.is_none()))
    {
        stmts.push(format!("CREATE SEQUENCE {} {}", s.name, s.definition));
    }
    let cols: Vec<String> = t.columns.iter().map(|c| column_definition(t, c)).collect();
    stmts.push(format!(
        "CREATE TABLE {} (\n  {}\n)",
        qtable(&t.name),
        cols.join(",\n  ")
    ));
    for s in t
        .sequences
        .iter()
        .filter(|s| t.column(&s.column).is_some_and(|c| c.identity.is_none()))
    {
        stmts.push(format!(
            "ALTER SEQUENCE {} OWNED BY {}.{}",
            s.name,
            qtable(&t.name),
            ident(&s.column)
        ));
    }
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    let overriding = if t.columns.iter().any(|c| c.identity.is_some()) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    stmts.push(format!(
        "INSERT INTO {} ({cols}){overriding} SELECT {cols} FROM {}",
        qtable(&t.name),
        qtable(backup),
        cols = idents(&names)
    ));
    stmts.extend(restore_sequences(t, None));
    stmts.extend(dependent_objects(t, &|_| true, true));
    stmts.join(";\n")
}
