//! Statements on MongoDB's session: a step's commands run (`execute`), counted
//! (`count`, the done and undone probes), and read (`cursor`, `all`), each with the session's
//! answer timeout and retries.

use crate::bsonx;
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use strata_core::{Error, Result};

use crate::connection::{err, Session};

impl Session {
    /// Runs a statement's command(s); returns the documents they changed.
    pub async fn execute(&self, statement: &serde_json::Value) -> Result<u64> {
        if let serde_json::Value::Array(commands) = statement {
            let mut n = 0;
            for c in commands {
                n += Box::pin(self.execute(c)).await?;
            }
            return Ok(n);
        }
        let cmd = bsonx::document(statement)?;
        // A `count` in a statement reports what is left to do (a batch's remaining documents).
        let keys: &[&str] = if cmd.contains_key("count") {
            &["n"]
        } else {
            &["nModified", "n"]
        };
        let response = self.command(with_cursor(cmd)).await?;
        let n = keys.iter().find_map(|k| number(response.get(*k)));
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    /// Every document of a command's cursor (following `getMore`).
    pub async fn cursor(&self, cmd: Document) -> Result<Vec<Document>> {
        let response = self.command(with_cursor(cmd)).await?;
        let cursor = response
            .get_document("cursor")
            .map_err(|e| Error::Verification(format!("no cursor in the response: {e}")))?;
        let mut docs: Vec<Document> = cursor
            .get_array("firstBatch")
            .map(|a| a.iter().filter_map(|b| b.as_document().cloned()).collect())
            .unwrap_or_default();
        let mut id = cursor.get_i64("id").unwrap_or(0);
        let ns = cursor.get_str("ns").unwrap_or_default().to_owned();
        let collection = ns
            .split_once('.')
            .map(|(_, c)| c.to_owned())
            .unwrap_or_default();
        while id != 0 {
            let more = self
                .command(doc! { "getMore": id, "collection": &collection })
                .await?;
            let c = more
                .get_document("cursor")
                .map_err(|e| Error::Verification(format!("no cursor in getMore: {e}")))?;
            docs.extend(
                c.get_array("nextBatch")
                    .map(|a| {
                        a.iter()
                            .filter_map(|b| b.as_document().cloned())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            );
            id = c.get_i64("id").unwrap_or(0);
        }
        Ok(docs)
    }

    /// A statement's count: for an aggregation ending in `$count`, that count; for another
    /// cursor, its number of documents; for `count`, `n`; for a list, the sum; for a
    /// `strata_probe`, the catalog's answer.
    pub async fn count(&self, statement: &serde_json::Value) -> Result<i64> {
        if let serde_json::Value::Array(items) = statement {
            let mut n = 0;
            for s in items {
                n += Box::pin(self.count(s)).await?;
            }
            return Ok(n);
        }
        if let Some(probe) = statement.get("strata_probe") {
            return self
                .probe(probe.as_str().unwrap_or_default(), statement)
                .await;
        }
        let cmd = bsonx::document(statement)?;
        if cmd.contains_key("count") {
            let r = self.command(cmd).await?;
            return Ok(number(r.get("n")).unwrap_or(0));
        }
        let docs = self.cursor(cmd).await?;
        Ok(match docs.as_slice() {
            [one] if one.len() == 1 && number(one.get("n")).is_some() => {
                number(one.get("n")).unwrap_or(0)
            }
            _ => docs.len() as i64,
        })
    }

    async fn collection_names(&self) -> Result<Vec<String>> {
        self.db
            .list_collection_names()
            .await
            .map_err(err("listing collections".into()))
    }

    async fn index_names(&self, collection: &str) -> Result<Vec<String>> {
        if !self
            .collection_names()
            .await?
            .iter()
            .any(|c| c == collection)
        {
            return Ok(Vec::new());
        }
        let cursor = self
            .db
            .collection::<Document>(collection)
            .list_index_names()
            .await;
        cursor.map_err(err(format!("listing the indexes of {collection}")))
    }

    async fn probe(&self, kind: &str, p: &serde_json::Value) -> Result<i64> {
        let field = |k: &str| {
            p.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let (collection, name) = (field("collection"), field("name"));
        let yes = |b: bool| Ok(i64::from(b));
        match kind {
            "collection_exists" => yes(self.collection_names().await?.contains(&collection)),
            "collection_absent" => yes(!self.collection_names().await?.contains(&collection)),
            "index_exists" => yes(self.index_names(&collection).await?.contains(&name)),
            "index_absent" => yes(!self.index_names(&collection).await?.contains(&name)),
            other => Err(Error::Usage(format!("unknown strata_probe {other:?}"))),
        }
    }

    /// Every document of a collection.
    pub async fn all(&self, collection: &str) -> Result<Vec<Document>> {
        self.db
            .collection::<Document>(collection)
            .find(doc! {})
            .await
            .map_err(err(format!("reading {collection}")))?
            .try_collect()
            .await
            .map_err(err(format!("reading {collection}")))
    }
}

/// `aggregate` needs a `cursor` field.
fn with_cursor(mut cmd: Document) -> Document {
    if cmd.contains_key("aggregate") && !cmd.contains_key("cursor") {
        cmd.insert("cursor", Document::new());
    }
    cmd
}

/// A numeric field as i64.
pub fn number(b: Option<&Bson>) -> Option<i64> {
    match b? {
        Bson::Int32(i) => Some(*i as i64),
        Bson::Int64(i) => Some(*i),
        Bson::Double(f) => Some(*f as i64),
        _ => None,
    }
}
