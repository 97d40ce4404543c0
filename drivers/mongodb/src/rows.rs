//! Reading and writing documents as portable rows: the columns strata knows, `_id` left out
//! unless it is one of them.

use mongodb::bson::{Bson, Document};
use strata_core::schema::Table;
use strata_core::{Result, Row};

use crate::bsonx;
use crate::connection::Session;

pub async fn read(session: &Session, t: &Table) -> Result<Vec<Row>> {
    Ok(session
        .all(&t.name.name)
        .await?
        .iter()
        .map(|d| {
            let mut row = Row::new();
            for (k, v) in d
                .iter()
                .filter(|(k, _)| k.as_str() != "_id" || t.column("_id").is_some())
            {
                row.insert(
                    k.clone(),
                    bsonx::to_value(v, t.column(k).and_then(|c| c.portable)),
                );
            }
            for c in &t.columns {
                row.entry(c.name.clone())
                    .or_insert(strata_core::Value::Null);
            }
            row
        })
        .collect())
}

pub async fn write(session: &Session, t: &Table, rows: &[Row]) -> Result<u64> {
    let docs: Vec<Document> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        bsonx::from_value(v, t.column(k).and_then(|c| c.portable)),
                    )
                })
                .collect()
        })
        .collect();
    if docs.is_empty() {
        return Ok(0);
    }
    let n = docs.len() as u64;
    let docs: Vec<Bson> = docs.into_iter().map(Bson::Document).collect();
    session
        .command(mongodb::bson::doc! { "insert": &t.name.name, "documents": docs })
        .await?;
    Ok(n)
}
