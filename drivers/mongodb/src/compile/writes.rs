//! What a step's writes must not break: the unique indexes over the fields it writes. The
//! server stops a write that would repeat a key half way through (and SecantusDB's `$merge`
//! with a pipeline drops the documents it could not write instead, where MongoDB reports
//! `DuplicateKey`), so the keys that would repeat are counted first: in the plan, and again
//! right before the write. A count on the documents as the write leaves them, in one
//! aggregation: the new values set over the collection, then grouped by each index's key as
//! the index sees it (a missing field indexes as null; a partial index holds only what its
//! filter matches, a sparse one only documents holding a key field).

use serde_json::{json, Value as Json};
use strata_core::schema::Table;
use strata_core::{Action, ActionKind, StepContext};

use super::{count, indexes};

/// One unique index the writes could break, and the pipeline (on the written collection)
/// yielding its repeated keys.
pub struct Collision {
    /// The index.
    pub index: String,
    /// Its key fields.
    pub fields: Vec<String>,
    /// The stages yielding one document per repeated key.
    pub pipeline: Vec<Json>,
}

/// `$field` is there and not null.
pub fn present(field: &str) -> Json {
    json!({ "$gt": [format!("${field}"), null] })
}

/// `$field` is null or missing (what `{field: null}` matches).
pub fn absent(field: &str) -> Json {
    json!({ "$in": [{ "$type": format!("${field}") }, ["null", "missing"]] })
}

/// The value of `field` once `value` is written where `selected` holds.
pub fn written(field: &str, selected: Json, value: Json) -> Json {
    json!({ "$cond": [selected, value, format!("${field}")] })
}

/// The stages keeping the documents a unique index of spec `spec` holds, then one per key
/// held by more than one of them.
fn repeated(spec: &Json) -> Vec<Json> {
    let fields = key_fields(spec);
    let mut stages = Vec::new();
    if let Some(filter) = spec.get("partialFilterExpression") {
        stages.push(json!({ "$match": filter }));
    }
    if spec["sparse"].as_bool().unwrap_or(false) {
        let any: Vec<Json> = fields
            .iter()
            .map(|f| json!({ f: { "$exists": true } }))
            .collect();
        stages.push(json!({ "$match": { "$or": any } }));
    }
    let key: serde_json::Map<String, Json> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                format!("k{i}"),
                json!({ "$ifNull": [format!("${f}"), null] }),
            )
        })
        .collect();
    stages.push(json!({ "$group": { "_id": key, "n": { "$sum": 1 } } }));
    stages.push(json!({ "$match": { "n": { "$gt": 1 } } }));
    stages
}

/// The unique indexes of `t` over any of `fields`.
fn unique_over(t: &Table, fields: &[&str]) -> Vec<(String, Json)> {
    t.indexes
        .iter()
        .filter(|i| i.unique && i.columns.iter().any(|c| fields.contains(&c.as_str())))
        .filter_map(|i| Some((i.name.clone(), indexes::spec_of(i)?)))
        .collect()
}

/// `fields` and the other fields of the unique indexes of `t` over them: what counting
/// their collisions reads.
pub fn with_keys(t: &Table, fields: &[String]) -> Vec<String> {
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut out = fields.to_vec();
    for (_, spec) in unique_over(t, &names) {
        for f in key_fields(&spec) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// The collisions of writing `set` (field → its new value, an expression over the document,
/// see [`written`]) into every document of `t` that `prefix` yields (stages that add what
/// `set` reads, such as a `$lookup`).
pub fn collisions(
    t: &Table,
    prefix: &[Json],
    set: &serde_json::Map<String, Json>,
) -> Vec<Collision> {
    let fields: Vec<&str> = set.keys().map(String::as_str).collect();
    unique_over(t, &fields)
        .into_iter()
        .map(|(index, spec)| {
            let mut pipeline = prefix.to_vec();
            pipeline.push(json!({ "$set": set }));
            pipeline.extend(repeated(&spec));
            Collision {
                fields: key_fields(&spec),
                index,
                pipeline,
            }
        })
        .collect()
}

/// The collisions in `parent` once the documents that `inserted` (a pipeline on another
/// collection, the one the count runs on) yields are inserted into it.
pub fn collisions_of_inserts(parent: &Table, inserted: &[Json]) -> Vec<Collision> {
    parent
        .indexes
        .iter()
        .filter(|i| i.unique)
        .filter_map(|i| Some((i.name.clone(), indexes::spec_of(i)?)))
        .map(|(index, spec)| {
            let mut pipeline = inserted.to_vec();
            pipeline.push(json!({ "$unionWith": { "coll": parent.name.name } }));
            pipeline.extend(repeated(&spec));
            Collision {
                fields: key_fields(&spec),
                index,
                pipeline,
            }
        })
        .collect()
}

fn key_fields(spec: &Json) -> Vec<String> {
    spec["key"]
        .as_object()
        .map(|k| k.keys().cloned().collect())
        .unwrap_or_default()
}

impl Collision {
    /// The refusal when `n` keys would repeat.
    pub fn refusal(&self, t: &Table, what: &str, n: i64) -> String {
        format!(
            "{what} would repeat {n} keys of unique index {} ({}) of \"{}\"; write fewer documents, or drop the index first",
            self.index,
            self.fields.join(", "),
            t.name
        )
    }

    /// The check, right before the write, that no key repeats.
    pub fn check(&self, ctx: &StepContext<'_>, t: &Table, on: &str, what: &str) -> Action {
        Action::check(
            ctx.step.index,
            ActionKind::Check,
            format!(
                "no key of unique index {} of {} repeats once {what} is written",
                self.index, t.name
            ),
            count(on, self.pipeline.clone()),
            0,
            format!(
                "{what} would repeat keys of unique index {} ({}) of \"{}\"",
                self.index,
                self.fields.join(", "),
                t.name
            ),
        )
    }
}
