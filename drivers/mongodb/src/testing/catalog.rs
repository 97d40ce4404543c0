//! Everything MongoDB reports about a database's schema and documents, read with a client of
//! its own, so tests compare what the engine has, not what strata's inspection models: every
//! collection and view with its `listCollections` options (an empty validator counts as
//! none, as it validates nothing, and the default validation level and action count the same
//! spelled out or not), every index by its spec, and per collection its document
//! count and an order-independent digest of its documents (canonical extended JSON, so a
//! value's BSON type counts; field order does not).
//!
//! strata's own collections (history, lock) are left out; of its per-collection metadata
//! (`strata_schema`, which strata makes on first use, like the history) the documents count,
//! as they hold the relations and NOT NULL fields strata enforces.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};

/// Object (`collection users`) → what the engine says of it.
pub type Catalog = BTreeMap<String, String>;

const LEFT_OUT: &[&str] = &["strata_migrations", crate::lock::LOCKS];

/// `value` as canonical extended JSON with every document's keys sorted (for options and
/// specs, whose order means nothing).
fn canonical(value: &Bson) -> serde_json::Value {
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<(String, serde_json::Value)> =
                    m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }
    sorted(value.clone().into_canonical_extjson())
}

/// `value` as canonical extended JSON, its documents' fields in their order (serde_json's
/// `preserve_order` keeps it).
fn ordered(value: &Bson) -> serde_json::Value {
    value.clone().into_canonical_extjson()
}

/// Reads the catalog of the database at `url`.
pub async fn read(url: &str) -> mongodb::error::Result<Catalog> {
    let options = mongodb::options::ClientOptions::parse(url).await?;
    let database = options.default_database.clone().unwrap_or_default();
    let client = mongodb::Client::with_options(options)?;
    let db = client.database(&database);
    let mut out = Catalog::new();
    let listed = db.run_command(doc! { "listCollections": 1 }).await?;
    let batch = listed
        .get_document("cursor")
        .and_then(|c| c.get_array("firstBatch"))
        .cloned()
        .unwrap_or_default();
    for entry in batch {
        let Bson::Document(entry) = entry else {
            continue;
        };
        let name = entry.get_str("name").unwrap_or_default().to_owned();
        if LEFT_OUT.contains(&name.as_str()) || name.starts_with("system.") {
            continue;
        }
        let kind = entry.get_str("type").unwrap_or("collection").to_owned();
        let bookkeeping = name == crate::meta::SCHEMA;
        let mut options = entry.get_document("options").cloned().unwrap_or_default();
        if options
            .get_document("validator")
            .is_ok_and(Document::is_empty)
        {
            options.remove("validator");
        }
        // The defaults, spelled out or not, are the same setting.
        if !options.contains_key("validator") || options.get_str("validationLevel") == Ok("strict")
        {
            options.remove("validationLevel");
        }
        if !options.contains_key("validator") || options.get_str("validationAction") == Ok("error")
        {
            options.remove("validationAction");
        }
        if !bookkeeping {
            out.insert(
                format!("{kind} {name}"),
                canonical(&Bson::Document(options)).to_string(),
            );
        }
        if kind != "collection" {
            continue;
        }
        let coll = db.collection::<Document>(&name);
        let indexes = db.run_command(doc! { "listIndexes": &name }).await?;
        for index in indexes
            .get_document("cursor")
            .and_then(|c| c.get_array("firstBatch"))
            .cloned()
            .unwrap_or_default()
        {
            let Bson::Document(mut spec) = index else {
                continue;
            };
            if bookkeeping {
                continue;
            }
            spec.remove("v");
            spec.remove("ns");
            let index_name = spec.get_str("name").unwrap_or_default().to_owned();
            let key = spec.remove("key");
            let mut described = canonical(&Bson::Document(spec));
            if let (Some(key), serde_json::Value::Object(m)) = (key, &mut described) {
                m.insert("key".into(), ordered(&key));
            }
            out.insert(format!("index {name}.{index_name}"), described.to_string());
        }
        let mut docs: Vec<String> = coll
            .find(doc! {})
            .await?
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .map(|d| ordered(&Bson::Document(d)).to_string())
            .collect();
        docs.sort();
        if bookkeeping && docs.is_empty() {
            continue;
        }
        let mut h = DefaultHasher::new();
        docs.hash(&mut h);
        out.insert(
            format!("rows {name}"),
            format!("{} documents {:016x}", docs.len(), h.finish()),
        );
    }
    Ok(out)
}
