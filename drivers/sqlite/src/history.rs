//! `strata_migrations` on SQLite (DESIGN §3).

use sqlx::Row;
use strata_core::history::{HistoryRecord, JournalEntry, RecordStatus};
use strata_core::{Error, Result, HISTORY_TABLE};

use crate::connection::Session;
use crate::sql::{ident, string};
use crate::NAME;

fn err(doing: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::database(NAME, format!("{doing} {HISTORY_TABLE}"), e)
}

pub async fn ensure(session: &Session) -> Result<()> {
    session
        .execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} (
  version INTEGER NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NULL,
  execution_ms BIGINT NULL,
  applied_by TEXT NOT NULL,
  actions_total INT NOT NULL,
  actions_done INT NOT NULL,
  journal TEXT NOT NULL,
  strata_version TEXT NOT NULL
) ",
            ident(HISTORY_TABLE)
        ))
        .await
        .map(drop)
}

pub async fn read(session: &Session) -> Result<Vec<HistoryRecord>> {
    let exists = session
        .count(&format!(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {}",
            string(HISTORY_TABLE)
        ))
        .await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let mut conn = session.conn().await;
    let rows = sqlx::query(&format!(
        "SELECT version, name, checksum, status, started_at, finished_at, execution_ms, applied_by, actions_total, actions_done, journal, strata_version FROM {} ORDER BY version",
        ident(HISTORY_TABLE)
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(err("reading"))?;
    rows.iter()
        .map(|r| {
            let version: i64 = r.try_get(0).map_err(err("reading"))?;
            let status: String = r.try_get(3).map_err(err("reading"))?;
            let journal: String = r.try_get(10).map_err(err("reading"))?;
            let corrupt = |what: String| {
                Error::Verification(format!("{HISTORY_TABLE} row for version {version}: {what}"))
            };
            Ok(HistoryRecord {
                version: version as u64,
                name: r.try_get(1).map_err(err("reading"))?,
                checksum: r.try_get(2).map_err(err("reading"))?,
                status: RecordStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("unknown status {status:?}")))?,
                started_at: r.try_get(4).map_err(err("reading"))?,
                finished_at: r.try_get(5).map_err(err("reading"))?,
                execution_ms: r.try_get(6).map_err(err("reading"))?,
                applied_by: r.try_get(7).map_err(err("reading"))?,
                actions_total: r.try_get(8).map_err(err("reading"))?,
                actions_done: r.try_get(9).map_err(err("reading"))?,
                journal: serde_json::from_str::<Vec<JournalEntry>>(&journal)
                    .map_err(|e| corrupt(format!("unreadable journal: {e}")))?,
                strata_version: r.try_get(11).map_err(err("reading"))?,
            })
        })
        .collect()
}

pub async fn write(session: &Session, r: &HistoryRecord) -> Result<()> {
    let journal = serde_json::to_string(&r.journal).expect("journal serializes");
    let mut conn = session.conn().await;
    sqlx::query(&format!(
        "INSERT INTO {} (version, name, checksum, status, started_at, finished_at, execution_ms, applied_by, actions_total, actions_done, journal, strata_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (version) DO UPDATE SET name = excluded.name, checksum = excluded.checksum, status = excluded.status,
           started_at = excluded.started_at, finished_at = excluded.finished_at, execution_ms = excluded.execution_ms,
           applied_by = excluded.applied_by, actions_total = excluded.actions_total, actions_done = excluded.actions_done,
           journal = excluded.journal, strata_version = excluded.strata_version",
        ident(HISTORY_TABLE)
    ))
    .bind(r.version as i64)
    .bind(&r.name)
    .bind(&r.checksum)
    .bind(r.status.as_str())
    .bind(r.started_at)
    .bind(r.finished_at)
    .bind(r.execution_ms)
    .bind(&r.applied_by)
    .bind(r.actions_total)
    .bind(r.actions_done)
    .bind(journal)
    .bind(&r.strata_version)
    .execute(&mut *conn)
    .await
    .map_err(err("writing"))?;
    Ok(())
}
