//! SQLite as the shared SQL layer needs it ([`strata_sql::Dialect`]): quoting, running text on
//! a `SqliteConnection`, reading cells whatever their storage class, and the text of the
//! history table.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Executor, Row};
use strata_core::Result;
use strata_sql::{Dialect, HistorySql};

use crate::connection::FileLock;
use crate::NAME;
use strata_core::{Capabilities, PortableType};
use strata_sql::Session;

/// The SQLite dialect.
pub struct Lite;

#[async_trait]
impl Dialect for Lite {
    type Db = sqlx::Sqlite;
    type State = FileLock;

    const ENGINE: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    fn native_type(ty: PortableType) -> String {
        crate::types::native(ty)
    }

    async fn server_version(session: &Session<Self>) -> Result<String> {
        Ok(session
            .rows("SELECT sqlite_version()")
            .await?
            .first()
            .and_then(|r| r[0].clone())
            .unwrap_or_default())
    }

    fn ident(name: &str) -> String {
        crate::sql::ident(name)
    }

    /// A table by its name alone: one database file, no schemas.
    fn table(name: &strata_core::QualifiedName) -> String {
        crate::sql::table(name)
    }

    fn quote_value(expr: &str) -> String {
        format!("quote({expr})")
    }

    async fn execute(
        conn: &mut SqliteConnection,
        sql: &str,
    ) -> std::result::Result<u64, sqlx::Error> {
        conn.execute(sql).await.map(|done| done.rows_affected())
    }

    async fn fetch_all(
        conn: &mut SqliteConnection,
        sql: &str,
    ) -> std::result::Result<Vec<SqliteRow>, sqlx::Error> {
        conn.fetch_all(sql).await
    }

    fn text(row: &SqliteRow, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        row.try_get_unchecked::<Option<String>, _>(i)
    }

    fn count(row: &SqliteRow, i: usize, sql: &str) -> Result<i64> {
        row.try_get_unchecked::<Option<i64>, _>(i)
            .map(|v| v.unwrap_or(0))
            .map_err(|e| strata_sql::db_error::<Lite>("reading the counts of", sql, e))
    }
}

impl HistorySql for Lite {
    fn create(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (
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
) "
        )
    }

    fn exists(name: &str) -> String {
        format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {name}")
    }

    fn read_column(column: &str) -> String {
        format!("CAST({} AS TEXT)", Lite::ident(column))
    }

    fn upsert(columns: &[&str]) -> String {
        let set: Vec<String> = columns
            .iter()
            .map(|c| format!("{0} = excluded.{0}", Lite::ident(c)))
            .collect();
        format!("ON CONFLICT (version) DO UPDATE SET {}", set.join(", "))
    }

    /// RFC 3339 text, as sqlx wrote it when it bound the value (so older rows read alike).
    fn timestamp(t: DateTime<Utc>) -> String {
        Lite::string(&t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
    }

    fn json(text: &str) -> String {
        Lite::string(text)
    }
}
