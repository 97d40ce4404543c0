//! Random migrations of 1–8 steps over the whole portable vocabulary, each step chosen
//! against the schema as the earlier steps leave it (so that most are valid and some steps
//! build on others), with some steps strata must refuse.

use fastrand::Rng;
use serde_json::{json, Value as Json};
use strata_core::PortableType;

use super::data;
use super::model::{indexable, Column, ForeignKey, Schema, Table};
use super::Dialect;

/// A migration file's JSON: `{"description": …, "step": [...]}`.
pub fn generate(rng: &mut Rng, schema: &Schema, dialect: &dyn Dialect) -> Json {
    let mut model = schema.clone();
    let mut steps = Vec::new();
    for _ in 0..rng.usize(1..=8) {
        for _attempt in 0..10 {
            if let Some(step) = one_step(rng, &mut model, dialect) {
                steps.push(step);
                break;
            }
        }
    }
    if steps.is_empty() {
        let t = &model.tables[0];
        steps.push(json!({ "op": "add_column", "table": t.qualified(), "column": "extra", "type": "int32" }));
    }
    json!({ "description": "generated", "step": steps })
}

fn literal(v: &strata_core::Value) -> Json {
    v.to_literal()
}

fn type_name(ty: PortableType) -> String {
    ty.to_string()
}

/// Columns of `t` a step may touch: not a key, not stamped by a trigger.
fn touchable(model: &Schema, t: usize) -> Vec<Column> {
    let stamped = model.stamped(t);
    let table = &model.tables[t];
    table
        .columns
        .iter()
        .filter(|c| !table.primary_key.contains(&c.name) && !stamped.contains(&c.name.as_str()))
        .cloned()
        .collect()
}

fn pick<T: Clone>(rng: &mut Rng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[rng.usize(0..items.len())].clone())
}

fn one_step(rng: &mut Rng, model: &mut Schema, dialect: &dyn Dialect) -> Option<Json> {
    if model.tables.is_empty() {
        return None;
    }
    let t = rng.usize(0..model.tables.len());
    let name = model.tables[t].qualified();
    let cols = touchable(model, t);
    let features = dialect.features();
    Some(match rng.u8(0..20) {
        0 => {
            let column = fresh_column(model, t)?;
            let ty = super::model::column_type(rng);
            let nullable = rng.u8(0..3) != 0;
            let default = (!nullable || rng.bool()).then(|| data::value(rng, ty, false));
            model.tables[t].columns.push(Column {
                name: column.clone(),
                ty,
                nullable,
                default: default.clone(),
            });
            let mut step = json!({ "op": "add_column", "table": name, "column": column, "type": type_name(ty), "nullable": nullable });
            if let Some(d) = default {
                step["default"] = literal(&d);
            }
            step
        }
        1 | 2 => {
            let c = pick(rng, &cols)?;
            remove_column(model, t, &c.name);
            json!({ "op": "drop_column", "table": name, "column": c.name, "backup": rng.u8(0..6) != 0 })
        }
        3 => {
            let c = pick(rng, &cols)?;
            let to = fresh_column(model, t)?;
            rename_column(model, t, &c.name, &to);
            json!({ "op": "rename_column", "table": name, "column": c.name, "to": to })
        }
        4..=6 => {
            let c = pick(rng, &cols)?;
            let to = super::model::column_type(rng);
            let mode = ["fail", "set_null", "use_default"][rng.usize(0..3)];
            let mut step = json!({ "op": "change_type", "table": name, "column": c.name, "to": type_name(to), "on_incompatible": mode });
            if mode == "use_default" {
                step["default"] = literal(&data::value(rng, to, false));
            }
            if let Some(col) = model.tables[t]
                .columns
                .iter_mut()
                .find(|x| x.name == c.name)
            {
                col.ty = to;
            }
            step
        }
        7 | 8 => {
            let c = pick(
                rng,
                &cols
                    .iter()
                    .filter(|c| c.nullable)
                    .cloned()
                    .collect::<Vec<_>>(),
            )?;
            let mut step = json!({ "op": "set_not_null", "table": name, "column": c.name });
            if rng.u8(0..4) != 0 {
                step["fill"] = literal(&data::value(rng, c.ty, false));
            }
            set_nullable(model, t, &c.name, false);
            step
        }
        9 => {
            let c = pick(
                rng,
                &cols
                    .iter()
                    .filter(|c| !c.nullable)
                    .cloned()
                    .collect::<Vec<_>>(),
            )?;
            set_nullable(model, t, &c.name, true);
            json!({ "op": "drop_not_null", "table": name, "column": c.name })
        }
        10 => {
            let c = pick(rng, &cols)?;
            if rng.bool() {
                json!({ "op": "set_default", "table": name, "column": c.name, "value": literal(&data::value(rng, c.ty, false)) })
            } else {
                json!({ "op": "drop_default", "table": name, "column": c.name })
            }
        }
        11 | 12 => add_foreign_key(rng, model, t, dialect)?,
        13 => {
            if !features.foreign_keys {
                return None;
            }
            let table = &model.tables[t];
            let i = rng.usize(0..table.foreign_keys.len().max(1));
            let fk = table.foreign_keys.get(i)?.clone();
            let fk_name = fk
                .name
                .clone()
                .unwrap_or_else(|| dialect.foreign_key_name(table, &fk));
            model.tables[t].foreign_keys.remove(i);
            json!({ "op": "drop_foreign_key", "table": name, "name": fk_name })
        }
        14 | 15 => {
            let c = pick(
                rng,
                &cols
                    .iter()
                    .filter(|c| indexable(c.ty))
                    .cloned()
                    .collect::<Vec<_>>(),
            )?;
            let unique = rng.u8(0..3) == 0;
            let index = format!("{}_{}_gx", model.tables[t].name, c.name);
            if model.tables[t].indexes.iter().any(|i| i.name == index) {
                return None;
            }
            model.tables[t].indexes.push(super::model::Index {
                name: index.clone(),
                columns: vec![c.name.clone()],
                unique,
                partial: false,
            });
            if rng.u8(0..4) == 0 {
                json!({ "op": "add_unique", "table": name, "columns": [c.name], "name": index })
            } else {
                json!({ "op": "add_index", "table": name, "columns": [c.name], "name": index, "unique": unique })
            }
        }
        16 => {
            let table = &model.tables[t];
            let i = rng.usize(0..table.indexes.len().max(1));
            let index = table.indexes.get(i)?.name.clone();
            model.tables[t].indexes.remove(i);
            json!({ "op": "drop_index", "table": name, "name": index })
        }
        17 => {
            let c = pick(rng, &cols)?;
            let v = data::value(rng, c.ty, false);
            let mut step = json!({ "op": "backfill", "table": name, "set": { c.name.clone(): literal(&v) }, "batch_size": rng.u32(1..=5) });
            if rng.bool() {
                step["where"] = json!({ c.name.clone(): Json::Null });
            }
            step
        }
        18 => {
            let to = format!("{}_v2", model.tables[t].name);
            if model.tables.iter().any(|x| x.name == to) {
                return None;
            }
            model.tables[t].name = to.clone();
            json!({ "op": "rename_table", "table": name, "to": to })
        }
        _ => {
            if rng.bool() {
                let new = format!("gen_{}", model.tables.len());
                if model.tables.iter().any(|x| x.name == new) {
                    return None;
                }
                let ty = super::model::column_type(rng);
                model.tables.push(Table {
                    schema: model.tables[t].schema.clone(),
                    name: new.clone(),
                    columns: vec![
                        Column {
                            name: "id".into(),
                            ty: PortableType::Int64,
                            nullable: false,
                            default: None,
                        },
                        Column {
                            name: "value".into(),
                            ty,
                            nullable: true,
                            default: None,
                        },
                    ],
                    primary_key: vec!["id".into()],
                    generated_key: false,
                    uniques: Vec::new(),
                    checks: Vec::new(),
                    foreign_keys: Vec::new(),
                    indexes: Vec::new(),
                    comment: None,
                    rows: Vec::new(),
                });
                let qualified = model
                    .tables
                    .last()
                    .map(Table::qualified)
                    .unwrap_or_default();
                json!({ "op": "create_table", "table": qualified, "columns": [
                    { "name": "id", "type": "int64", "primary_key": true },
                    { "name": "value", "type": type_name(ty) },
                ] })
            } else {
                let referenced = model
                    .tables
                    .iter()
                    .enumerate()
                    .any(|(i, x)| i != t && x.foreign_keys.iter().any(|f| f.parent == t));
                if referenced {
                    return None;
                }
                model.tables.remove(t);
                for x in &mut model.tables {
                    for f in &mut x.foreign_keys {
                        if f.parent > t {
                            f.parent -= 1;
                        }
                    }
                }
                model.views.clear();
                json!({ "op": "drop_table", "table": name, "backup": rng.u8(0..6) != 0 })
            }
        }
    })
}

fn fresh_column(model: &Schema, t: usize) -> Option<String> {
    (1..20)
        .map(|i| format!("col{i}"))
        .find(|n| model.tables[t].column(n).is_none())
}

fn remove_column(model: &mut Schema, t: usize, column: &str) {
    let table = &mut model.tables[t];
    table.columns.retain(|c| c.name != column);
    table
        .indexes
        .retain(|i| !i.columns.iter().any(|c| c == column));
    table
        .uniques
        .retain(|u| !u.columns.iter().any(|c| c == column));
    table.checks.retain(|k| k.column != column);
    table
        .foreign_keys
        .retain(|f| !f.columns.iter().any(|c| c == column));
}

fn rename_column(model: &mut Schema, t: usize, from: &str, to: &str) {
    let table = &mut model.tables[t];
    for c in table.columns.iter_mut().filter(|c| c.name == from) {
        c.name = to.to_owned();
    }
    let rename = |names: &mut Vec<String>| {
        for n in names.iter_mut().filter(|n| *n == from) {
            *n = to.to_owned();
        }
    };
    for i in &mut table.indexes {
        rename(&mut i.columns);
    }
    for u in &mut table.uniques {
        rename(&mut u.columns);
    }
    for f in &mut table.foreign_keys {
        rename(&mut f.columns);
    }
    for k in table.checks.iter_mut().filter(|k| k.column == from) {
        k.column = to.to_owned();
    }
}

fn set_nullable(model: &mut Schema, t: usize, column: &str, nullable: bool) {
    if let Some(c) = model.tables[t]
        .columns
        .iter_mut()
        .find(|c| c.name == column)
    {
        c.nullable = nullable;
    }
}

/// A foreign key from a `*_ref` (or any integer) column of `t` to a table's single-column
/// key, with a random orphan mode, sometimes replacing an existing key.
fn add_foreign_key(
    rng: &mut Rng,
    model: &mut Schema,
    t: usize,
    dialect: &dyn Dialect,
) -> Option<Json> {
    if !dialect.features().foreign_keys && !dialect.features().recorded_foreign_keys {
        return None;
    }
    let parents: Vec<usize> = (0..model.tables.len())
        .filter(|&p| model.tables[p].primary_key.len() == 1)
        .collect();
    let p = pick(rng, &parents)?;
    let parent = &model.tables[p];
    let key = parent.primary_key[0].clone();
    let key_ty = parent.column(&key)?.ty;
    let candidates: Vec<Column> = touchable(model, t)
        .into_iter()
        .filter(|c| c.ty.is_integer() && (c.ty == key_ty || rng.u8(0..4) == 0))
        .collect();
    let c = pick(rng, &candidates)?;
    let table = &model.tables[t];
    let name = format!("{}_{}_gfk", table.name, c.name);
    if table
        .foreign_keys
        .iter()
        .any(|f| f.name.as_deref() == Some(name.as_str()))
    {
        return None;
    }
    let replace = table
        .foreign_keys
        .iter()
        .position(|f| f.columns == [c.name.clone()])
        .filter(|_| rng.bool());
    let orphans = ["fail", "delete", "set_null", "placeholder"][rng.usize(0..4)];
    let on_delete = ["no_action", "cascade", "set_null", "restrict"][rng.usize(0..4)];
    let mut step = json!({
        "op": "add_foreign_key",
        "table": table.qualified(),
        "columns": [c.name],
        "references": { "table": parent.qualified(), "columns": [key] },
        "name": name,
        "orphans": orphans,
        "on_delete": on_delete,
    });
    if let Some(i) = replace {
        let old = &table.foreign_keys[i];
        step["replace"] = json!(old
            .name
            .clone()
            .unwrap_or_else(|| dialect.foreign_key_name(table, old)));
        model.tables[t].foreign_keys.remove(i);
    }
    let parent_columns = vec![key];
    model.tables[t].foreign_keys.push(ForeignKey {
        name: Some(name),
        columns: vec![c.name],
        parent: p,
        parent_columns,
        added_later: true,
        own_index: false,
        on_delete: "NO ACTION",
    });
    Some(step)
}
