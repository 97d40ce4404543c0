//! `strata_migrations` on PostgreSQL (DESIGN §3), in the connection's current schema.

use sqlx::Row;
use strata_core::history::{HistoryRecord, JournalEntry, RecordStatus};
use strata_core::{Error, Result, HISTORY_TABLE};

use crate::connection::Session;
use crate::sql::ident;
use crate::NAME;

fn create_sql() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
  version bigint PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'applied', 'failed', 'rolled_back')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  execution_ms bigint,
  applied_by text NOT NULL,
  actions_total integer NOT NULL,
  actions_done integer NOT NULL,
  journal jsonb NOT NULL,
  strata_version text NOT NULL
)",
        ident(HISTORY_TABLE)
    )
}

fn err(doing: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::database(NAME, format!("{doing} {HISTORY_TABLE}"), e)
}

pub async fn ensure(session: &Session) -> Result<()> {
    session.execute(&create_sql()).await.map(drop)
}

pub async fn read(session: &Session) -> Result<Vec<HistoryRecord>> {
    let mut conn = session.conn().await;
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(ident(HISTORY_TABLE))
        .fetch_one(&mut *conn)
        .await
        .map_err(err("looking for"))?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(&format!(
        "SELECT version, name, checksum, status, started_at, finished_at, execution_ms, applied_by, actions_total, actions_done, journal::text, strata_version FROM {} ORDER BY version",
        ident(HISTORY_TABLE)
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(err("reading"))?;
    rows.iter()
        .map(|r| {
            let status: String = r.get(3);
            let journal: String = r.get(10);
            let version: i64 = r.get(0);
            let corrupt = |what: String| {
                Error::Verification(format!("{HISTORY_TABLE} row for version {version}: {what}"))
            };
            Ok(HistoryRecord {
                version: version as u64,
                name: r.get(1),
                checksum: r.get(2),
                status: RecordStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("unknown status {status:?}")))?,
                started_at: r.get(4),
                finished_at: r.get(5),
                execution_ms: r.get(6),
                applied_by: r.get(7),
                actions_total: r.get(8),
                actions_done: r.get(9),
                journal: serde_json::from_str::<Vec<JournalEntry>>(&journal)
                    .map_err(|e| corrupt(format!("unreadable journal: {e}")))?,
                strata_version: r.get(11),
            })
        })
        .collect()
}

pub async fn write(session: &Session, r: &HistoryRecord) -> Result<()> {
    let journal = serde_json::to_string(&r.journal).expect("journal serializes");
    let mut conn = session.conn().await;
    sqlx::query(&format!(
        "INSERT INTO {} (version, name, checksum, status, started_at, finished_at, execution_ms, applied_by, actions_total, actions_done, journal, strata_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12)
         ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, status = EXCLUDED.status,
           started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, execution_ms = EXCLUDED.execution_ms,
           applied_by = EXCLUDED.applied_by, actions_total = EXCLUDED.actions_total, actions_done = EXCLUDED.actions_done,
           journal = EXCLUDED.journal, strata_version = EXCLUDED.strata_version",
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
