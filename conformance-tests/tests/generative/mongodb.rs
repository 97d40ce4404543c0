//! MongoDB: collections made with `create` (a `$jsonSchema` validator of the user's where a
//! field is required), `createIndexes` (unique, partial), views with `$project`, documents
//! inserted with their BSON types in extended JSON.

use serde_json::{json, Value as Json};
use strata_conformance::generative::model::{ForeignKey, Schema, Table, ViewSource};
use strata_conformance::generative::{Dialect, Features};
use strata_core::{PortableType, Statement, Value};

/// MongoDB.
pub struct Mongo;

fn bson_type(ty: PortableType) -> &'static str {
    match ty {
        PortableType::Bool => "bool",
        PortableType::Int16 | PortableType::Int32 => "int",
        PortableType::Int64 => "long",
        PortableType::Float32 | PortableType::Float64 => "double",
        PortableType::Decimal { .. } => "decimal",
        PortableType::Bytes => "binData",
        PortableType::Date | PortableType::Timestamp | PortableType::TimestampTz => "date",
        PortableType::Json => "object",
        _ => "string",
    }
}

fn value(ty: PortableType, v: &Value) -> Json {
    match (ty, v) {
        (_, Value::Null) => Json::Null,
        (PortableType::Int64, Value::Int(i)) => json!({ "$numberLong": i.to_string() }),
        (_, Value::Int(i)) => json!({ "$numberInt": i.to_string() }),
        (_, Value::Float(f)) => json!({ "$numberDouble": format!("{f:?}") }),
        (PortableType::Decimal { .. }, Value::Text(s)) => json!({ "$numberDecimal": s }),
        (PortableType::Date, Value::Text(s)) => json!({ "$date": format!("{s}T00:00:00Z") }),
        (PortableType::Timestamp, Value::Text(s)) => json!({ "$date": format!("{s}Z") }),
        (PortableType::TimestampTz, Value::Text(s)) => json!({ "$date": s }),
        (_, Value::Text(s)) => json!(s),
        (_, Value::Bool(b)) => json!(b),
        (_, Value::Bytes(b)) => {
            json!({ "$binary": { "base64": base64(b), "subType": "00" } })
        }
        (_, Value::Json(j)) => j.clone(),
    }
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Dialect for Mongo {
    fn features(&self) -> Features {
        Features {
            recorded_foreign_keys: true,
            views: true,
            partial_indexes: true,
            ..Features::default()
        }
    }

    fn build(&self, schema: &Schema) -> Vec<Statement> {
        let mut out = Vec::new();
        for t in &schema.tables {
            let required: Vec<&str> = t
                .columns
                .iter()
                .filter(|c| !c.nullable)
                .map(|c| c.name.as_str())
                .collect();
            let mut create = json!({ "create": t.name });
            if !required.is_empty() {
                let properties: serde_json::Map<String, Json> = t
                    .columns
                    .iter()
                    .map(|c| {
                        let ty = bson_type(c.ty);
                        let allowed = if c.nullable {
                            json!([ty, "null"])
                        } else {
                            json!(ty)
                        };
                        (c.name.clone(), json!({ "bsonType": allowed }))
                    })
                    .collect();
                create["validator"] = json!({ "$jsonSchema": {
                    "bsonType": "object", "required": required, "properties": properties,
                } });
            }
            out.push(create);
            // A key other than `_id` is a unique index on MongoDB (what strata's own
            // `create_table` makes, and what a relation to the collection needs).
            let key: serde_json::Map<String, Json> = t
                .primary_key
                .iter()
                .map(|c| (c.clone(), json!(1)))
                .collect();
            let mut indexes: Vec<Json> =
                vec![json!({ "key": key, "name": format!("{}_pkey", t.name), "unique": true })];
            for u in &t.uniques {
                let key: serde_json::Map<String, Json> =
                    u.columns.iter().map(|c| (c.clone(), json!(1))).collect();
                let name = u
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{}_{}_key", t.name, u.columns.join("_")));
                indexes.push(json!({ "key": key, "name": name, "unique": true }));
            }
            for i in &t.indexes {
                let key: serde_json::Map<String, Json> =
                    i.columns.iter().map(|c| (c.clone(), json!(1))).collect();
                let mut spec = json!({ "key": key, "name": i.name });
                if i.unique {
                    spec["unique"] = json!(true);
                }
                if i.partial {
                    spec["partialFilterExpression"] =
                        json!({ i.columns[0].clone(): { "$exists": true } });
                }
                indexes.push(spec);
            }
            if !indexes.is_empty() {
                out.push(json!({ "createIndexes": t.name, "indexes": indexes }));
            }
            if !t.rows.is_empty() {
                let documents: Vec<Json> = t
                    .rows
                    .iter()
                    .map(|r| {
                        let d: serde_json::Map<String, Json> = t
                            .columns
                            .iter()
                            .zip(r)
                            .map(|(c, v)| (c.name.clone(), value(c.ty, v)))
                            .collect();
                        Json::Object(d)
                    })
                    .collect();
                out.push(json!({ "insert": t.name, "documents": documents }));
            }
        }
        for v in &schema.views {
            let on = match v.source {
                ViewSource::Table(t) => schema.tables[t].name.clone(),
                ViewSource::View(w) => schema.views[w].name.clone(),
            };
            let project: serde_json::Map<String, Json> =
                v.columns.iter().map(|c| (c.clone(), json!(1))).collect();
            out.push(
                json!({ "create": v.name, "viewOn": on, "pipeline": [{ "$project": project }] }),
            );
        }
        out.into_iter().map(Statement::Command).collect()
    }

    fn foreign_key_name(&self, t: &Table, fk: &ForeignKey) -> String {
        format!("{}_{}_fkey", t.name, fk.columns.join("_"))
    }
}
