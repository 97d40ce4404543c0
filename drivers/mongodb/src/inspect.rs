//! Reading collections, strata's metadata, validators and indexes into a `Snapshot`. A
//! collection strata never managed gets its columns from its `$jsonSchema`, where it has
//! one, and from a sample of documents (the first hundred by `_id`).

use std::collections::BTreeMap;

use mongodb::bson::{doc, Bson, Document};
use strata_core::schema::{Column, Constraint, ConstraintKind, Index, Snapshot, Table};
use strata_core::{PortableType, QualifiedName, Result, HISTORY_TABLE};

use crate::connection::Session;
use crate::meta::{bson_type, CollectionMeta, SCHEMA};
use crate::statements::number;
use crate::{bsonx, lock};

/// Collections strata keeps for itself.
pub fn internal(name: &str) -> bool {
    name == HISTORY_TABLE || name == SCHEMA || name == lock::LOCKS || name.starts_with("system.")
}

fn infer(value: &Bson) -> Option<PortableType> {
    Some(match value {
        Bson::Boolean(_) => PortableType::Bool,
        Bson::Int32(_) => PortableType::Int32,
        Bson::Int64(_) => PortableType::Int64,
        Bson::Double(_) => PortableType::Float64,
        Bson::Decimal128(_) => PortableType::Decimal {
            precision: 34,
            scale: 0,
        },
        Bson::String(_) => PortableType::Text,
        Bson::Binary(_) => PortableType::Bytes,
        Bson::DateTime(_) => PortableType::TimestampTz,
        Bson::Document(_) | Bson::Array(_) => PortableType::Json,
        _ => return None,
    })
}

/// The portable type of a `$jsonSchema` `bsonType` (one type name, `null` aside).
fn declared_type(bson_type: &str, max_length: Option<i64>) -> Option<PortableType> {
    Some(match bson_type {
        "bool" => PortableType::Bool,
        "int" => PortableType::Int32,
        "long" => PortableType::Int64,
        "double" => PortableType::Float64,
        "decimal" => PortableType::Decimal {
            precision: 34,
            scale: 0,
        },
        "string" => match max_length.and_then(|n| u32::try_from(n).ok()) {
            Some(len) => PortableType::String { len },
            None => PortableType::Text,
        },
        "binData" => PortableType::Bytes,
        "date" => PortableType::TimestampTz,
        "object" | "array" => PortableType::Json,
        _ => return None,
    })
}

/// The fields a collection's validator declares, when it is a `$jsonSchema` (alone, or one
/// of an `$and`): each with its type where it names one, and whether it may be null or
/// missing (`required`, and `null` not among its types, make it NOT NULL).
fn declared(options: &Document) -> Vec<(String, Option<PortableType>, bool)> {
    let Ok(validator) = options.get_document("validator") else {
        return Vec::new();
    };
    let schema = validator.get_document("$jsonSchema").ok().or_else(|| {
        validator.get_array("$and").ok().and_then(|all| {
            all.iter()
                .find_map(|v| v.as_document()?.get_document("$jsonSchema").ok())
        })
    });
    let Some(schema) = schema else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get_array("required")
        .map(|r| r.iter().filter_map(Bson::as_str).collect())
        .unwrap_or_default();
    let Ok(properties) = schema.get_document("properties") else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|(name, _)| name.as_str() != "_id")
        .map(|(name, p)| {
            let p = p.as_document();
            let types: Vec<&str> = match p.and_then(|p| p.get("bsonType")) {
                Some(Bson::String(t)) => vec![t.as_str()],
                Some(Bson::Array(ts)) => ts.iter().filter_map(Bson::as_str).collect(),
                _ => Vec::new(),
            };
            let nullable = types.contains(&"null") || !required.contains(&name.as_str());
            let named: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
            let max_length = p.and_then(|p| number(p.get("maxLength")));
            let ty = match named.as_slice() {
                [one] => declared_type(one, max_length),
                _ => None,
            };
            (name.clone(), ty, nullable)
        })
        .collect()
}

/// The metadata of every managed collection, by name.
pub async fn metas(session: &Session) -> Result<BTreeMap<String, CollectionMeta>> {
    let mut out = BTreeMap::new();
    for d in session.all(SCHEMA).await? {
        let (Ok(name), Some(meta)) = (d.get_str("_id"), d.get_document("meta").ok()) else {
            continue;
        };
        if let Ok(meta) = serde_json::from_value::<CollectionMeta>(bsonx::json(meta.clone())) {
            out.insert(name.to_owned(), meta);
        }
    }
    Ok(out)
}

pub async fn inspect(session: &Session) -> Result<Snapshot> {
    let metas = metas(session).await?;
    let listed = session
        .cursor(doc! { "listCollections": 1, "filter": { "type": "collection" } })
        .await?;
    let views = crate::views::all(session).await?;
    let mut snapshot = Snapshot::default();
    for c in listed {
        let Ok(name) = c.get_str("name") else {
            continue;
        };
        if internal(name) {
            continue;
        }
        let options = c.get_document("options").cloned().unwrap_or_default();
        let meta = metas.get(name);
        let mut t = Table::new(QualifiedName::new(name));
        t.dependents = crate::views::on(&views, name)
            .into_iter()
            .map(|v| format!("view {}", v.name))
            .collect();
        match meta {
            Some(meta) => {
                t.primary_key = meta.primary_key.clone();
                for (i, m) in meta.columns.iter().enumerate() {
                    t.columns.push(Column {
                        name: m.name.clone(),
                        position: i as u32 + 1,
                        native_type: bson_type(m.ty).unwrap_or("any").to_owned(),
                        portable: Some(m.ty),
                        nullable: m.nullable,
                        default: m.default.as_ref().map(|d| d.to_string()),
                        identity: None,
                        definition: None,
                    });
                }
                for r in &meta.relations {
                    t.constraints.push(Constraint {
                        name: r.name.clone(),
                        kind: ConstraintKind::ForeignKey,
                        columns: r.columns.clone(),
                        references: Some(QualifiedName::new(r.references.clone())),
                        definition: serde_json::to_string(r).unwrap_or_default(),
                        validated: true,
                    });
                }
            }
            None => {
                // The fields its `$jsonSchema` declares first, as declared; then those the
                // documents hold besides, from the first documents by `_id` (not in natural
                // order: that is the storage engine's, which MongoDB does not define, and an
                // update may move a document), in the order they are first met.
                let mut seen = declared(&options);
                let sample = session
                    .cursor(doc! { "aggregate": name, "pipeline": [{ "$sort": { "_id": 1 } }, { "$limit": 100 }] })
                    .await?;
                for d in &sample {
                    for (k, v) in d.iter().filter(|(k, _)| k.as_str() != "_id") {
                        match seen.iter_mut().find(|(n, _, _)| n == k) {
                            Some((_, ty @ None, _)) => *ty = infer(v),
                            Some(_) => {}
                            None => seen.push((k.clone(), infer(v), true)),
                        }
                    }
                }
                for (i, (name, ty, nullable)) in seen.into_iter().enumerate() {
                    t.columns.push(Column {
                        position: i as u32 + 1,
                        native_type: ty.and_then(bson_type).unwrap_or("any").to_owned(),
                        portable: ty,
                        nullable,
                        default: None,
                        identity: None,
                        definition: None,
                        name,
                    });
                }
            }
        }
        // An empty validator validates nothing: it is no validator (rollback of strata's
        // first change to a collection that had none leaves one, as `collMod` cannot remove
        // the option).
        if let Some(v) = options
            .get_document("validator")
            .ok()
            .filter(|v| !v.is_empty())
        {
            t.constraints.push(Constraint {
                name: "$jsonSchema".into(),
                kind: ConstraintKind::Check,
                columns: Vec::new(),
                references: None,
                definition: bsonx::json(v.clone()).to_string(),
                validated: true,
            });
        }
        for spec in session.cursor(doc! { "listIndexes": name }).await? {
            let index = spec.get_str("name").unwrap_or_default().to_owned();
            if index == "_id_" {
                continue;
            }
            let columns = spec
                .get_document("key")
                .map(|k| k.keys().cloned().collect())
                .unwrap_or_default();
            let mut definition: Document = spec.clone();
            definition.remove("v");
            definition.remove("ns");
            t.indexes.push(Index {
                name: index,
                columns,
                unique: spec.get_bool("unique").unwrap_or(false),
                definition: bsonx::json(definition).to_string(),
                valid: true,
            });
        }
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let counted = session.command(doc! { "count": name }).await?;
        t.rows = number(counted.get("n")).unwrap_or(0) as u64;
        if let Ok(stats) = session.command(doc! { "collStats": name }).await {
            t.size_bytes = (number(stats.get("size")).unwrap_or(0)
                + number(stats.get("totalIndexSize")).unwrap_or(0))
            .max(0) as u64;
        }
        let meta_json = meta.map(|m| serde_json::to_value(m).unwrap_or_default());
        t.definition = Some(
            serde_json::json!({
                "options": bsonx::json(options),
                "meta": meta_json,
                "columns": crate::meta::columns_view(&t.columns),
            })
            .to_string(),
        );
        snapshot.tables.insert(name.to_owned(), t.into());
    }
    snapshot.link_references();
    Ok(snapshot)
}
