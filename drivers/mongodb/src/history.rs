//! `strata_migrations` on MongoDB: one document per migration, the record as its JSON.

use mongodb::bson::{doc, Document};
use strata_core::history::HistoryRecord;
use strata_core::{Error, Result, HISTORY_TABLE};

use crate::connection::Session;

pub async fn ensure(session: &Session) -> Result<()> {
    session
        .command(doc! { "create": HISTORY_TABLE })
        .await
        .map(drop)
}

pub async fn read(session: &Session) -> Result<Vec<HistoryRecord>> {
    let mut out: Vec<HistoryRecord> = session
        .all(HISTORY_TABLE)
        .await?
        .iter()
        .map(|d: &Document| {
            let text = d
                .get_str("record")
                .map_err(|e| Error::Verification(format!("{HISTORY_TABLE}: {e}")))?;
            serde_json::from_str(text).map_err(|e| {
                Error::Verification(format!("{HISTORY_TABLE}: unreadable record: {e}"))
            })
        })
        .collect::<Result<_>>()?;
    out.sort_by_key(|r| r.version);
    Ok(out)
}

pub async fn write(session: &Session, r: &HistoryRecord) -> Result<()> {
    let record = serde_json::to_string(r).expect("records serialize");
    session
        .command(doc! {
            "update": HISTORY_TABLE,
            "updates": [{
                "q": { "_id": r.version as i64 },
                "u": { "$set": { "name": &r.name, "status": r.status.as_str(), "checksum": &r.checksum, "record": record } },
                "upsert": true,
            }],
        })
        .await
        .map(drop)
}
