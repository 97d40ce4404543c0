//! Index specs: the ones strata writes, the ones it read (`listIndexes`, without `v` and `ns`)
//! or simulated, what MongoDB counts as the same index, and the fields a spec names.

use serde_json::{json, Value as Json};
use strata_core::schema::{Index, Table};

use super::definition;

/// The spec of a new index on `columns` (ascending), as strata writes it.
pub fn spec(columns: &[String], name: &str, unique: bool) -> Json {
    let key: serde_json::Map<String, Json> =
        columns.iter().map(|c| (c.clone(), json!(1))).collect();
    let mut spec = json!({ "key": key, "name": name });
    if unique {
        spec["unique"] = json!(true);
    }
    spec
}

/// The spec of an index of the snapshot (read from the server, or simulated by an earlier
/// step of the plan).
pub fn spec_of(index: &Index) -> Option<Json> {
    serde_json::from_str::<Json>(&index.definition)
        .ok()
        .filter(Json::is_object)
}

/// What makes an index the same as another for MongoDB (its signature: the key pattern, in
/// order, the collation, the partial filter, and from 5.0 on `unique` and `sparse`). The
/// server keeps one index per signature: a second under another name is refused
/// (`IndexOptionsConflict`). An index without a collation of its own has the collection's.
fn signature(spec: &Json, default_collation: &Json) -> Json {
    let flag = |k: &str| spec.get(k).and_then(Json::as_bool).unwrap_or(false);
    json!({
        "key": spec.get("key").cloned().unwrap_or(Json::Null).to_string(),
        "collation": spec.get("collation").unwrap_or(default_collation),
        "partial": spec.get("partialFilterExpression").cloned().unwrap_or(Json::Null),
        "unique": flag("unique"),
        "sparse": flag("sparse"),
    })
}

/// The index of `t` that MongoDB counts as the same as `spec`, under another name.
pub fn same_as<'a>(t: &'a Table, spec: &Json) -> Option<&'a Index> {
    let collation = definition(t)["options"]["collation"].clone();
    let wanted = signature(spec, &collation);
    t.indexes.iter().find(|i| {
        spec_of(i).is_some_and(|s| signature(&s, &collation) == wanted)
            && Some(i.name.as_str()) != spec["name"].as_str()
    })
}

/// Whether `path` (a key of a spec or of a filter) is `field` or inside it.
fn is_field(path: &str, field: &str) -> bool {
    path == field
        || path
            .strip_prefix(field)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Whether a partial filter names `field` (as a key: a query filter names fields by its keys).
fn filter_names(filter: &Json, field: &str) -> bool {
    match filter {
        Json::Object(m) => m
            .iter()
            .any(|(k, v)| is_field(k, field) || filter_names(v, field)),
        Json::Array(a) => a.iter().any(|v| filter_names(v, field)),
        _ => false,
    }
}

/// The indexes of `t` whose key or partial filter names `field`, with their specs.
pub fn naming(t: &Table, field: &str) -> Vec<(String, Json)> {
    t.indexes
        .iter()
        .filter_map(|i| {
            let spec = spec_of(i)?;
            let in_key = spec["key"]
                .as_object()
                .is_some_and(|k| k.keys().any(|k| is_field(k, field)));
            let in_filter = filter_names(&spec["partialFilterExpression"], field);
            (in_key || in_filter).then(|| (i.name.clone(), spec))
        })
        .collect()
}

/// The indexes of `t` whose key holds `field` (those a dropped field takes with it, as the
/// planner's model of the schema has it).
pub fn keyed_on(t: &Table, field: &str) -> Vec<(String, Json)> {
    t.indexes
        .iter()
        .filter(|i| i.columns.iter().any(|c| c == field))
        .filter_map(|i| Some((i.name.clone(), spec_of(i)?)))
        .collect()
}

fn rename_keys(value: &Json, from: &str, to: &str) -> Json {
    match value {
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| {
                    let k = if is_field(k, from) {
                        format!("{to}{}", &k[from.len()..])
                    } else {
                        k.clone()
                    };
                    (k, rename_keys(v, from, to))
                })
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.iter().map(|v| rename_keys(v, from, to)).collect()),
        other => other.clone(),
    }
}

/// `spec` with field `from` named `to`, in its key (in place: the order of a key's fields
/// is the index) and in its partial filter.
pub fn renamed(spec: &Json, from: &str, to: &str) -> Json {
    let mut out = spec.clone();
    for part in ["key", "partialFilterExpression"] {
        if let Some(v) = spec.get(part) {
            out[part] = rename_keys(v, from, to);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_keeps_the_key_order_and_follows_the_filter() {
        let spec = json!({ "key": { "a": 1, "b.c": -1, "bc": 1 }, "name": "i",
                           "partialFilterExpression": { "$and": [{ "b": { "$exists": true } }, { "bc": 1 }] } });
        let out = renamed(&spec, "b", "z");
        assert_eq!(
            out["key"].to_string(),
            json!({ "a": 1, "z.c": -1, "bc": 1 }).to_string()
        );
        assert_eq!(
            out["partialFilterExpression"],
            json!({ "$and": [{ "z": { "$exists": true } }, { "bc": 1 }] })
        );
    }

    #[test]
    fn the_signature_is_key_collation_filter_unique_and_sparse() {
        let base = json!({ "key": { "a": 1, "b": 1 }, "name": "x" });
        let none = Json::Null;
        let same = json!({ "key": { "a": 1, "b": 1 }, "name": "y", "unique": false });
        assert_eq!(signature(&base, &none), signature(&same, &none));
        for other in [
            json!({ "key": { "b": 1, "a": 1 } }),
            json!({ "key": { "a": 1, "b": 1 }, "unique": true }),
            json!({ "key": { "a": 1, "b": 1 }, "sparse": true }),
            json!({ "key": { "a": 1, "b": 1 }, "partialFilterExpression": { "a": { "$exists": true } } }),
            json!({ "key": { "a": 1, "b": 1 }, "collation": { "locale": "fr" } }),
        ] {
            assert_ne!(signature(&base, &none), signature(&other, &none), "{other}");
        }
    }
}
