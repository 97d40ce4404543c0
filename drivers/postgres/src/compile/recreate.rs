//! Re-creating what a step destroys, from the definitions strata read before destroying it:
//! used by the inverse of `drop_column`.

use strata_core::schema::{Column, ConstraintKind, Table};

use crate::sql::{ident, string, table as qtable};

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
