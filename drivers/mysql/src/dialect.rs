//! MySQL and MariaDB as the shared SQL layer needs them ([`strata_sql::Dialect`]): quoting,
//! running text on a `MySqlConnection`, reading any cell as text, releasing table locks a
//! failed statement list left held, and the text of the history table, in the connection's
//! database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::{Executor, Row};
use strata_core::{Error, Result};
use strata_sql::{Dialect, HistorySql};

use crate::connection::{text_at, Server};
use crate::NAME;
use strata_core::{Capabilities, PortableType};
use strata_sql::Session;

/// The MySQL / MariaDB dialect.
pub struct My;

#[async_trait]
impl Dialect for My {
    type Db = sqlx::MySql;
    type State = Server;

    const ENGINE: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;
    const BEGIN: &'static str = "START TRANSACTION";

    fn native_type(ty: PortableType) -> String {
        crate::types::native(ty)
    }

    async fn server_version(session: &Session<Self>) -> Result<String> {
        Ok(session.state.version.clone())
    }

    /// Waits for metadata locks in short attempts ([`crate::lock_wait`]); an `ALTER` the
    /// server refuses to run online runs with the default algorithm.
    async fn run(session: &Session<Self>, sql: &str) -> Result<u64> {
        match crate::lock_wait::run(session, sql).await {
            // The server refused to run this ALTER online: run it with the default algorithm,
            // as the plan announced.
            Err(e) if sql.contains(crate::compile::ONLINE) && online_refused(&e) => {
                tracing::warn!(
                    "the server cannot run this ALTER online; running it with a lock: {e}"
                );
                crate::lock_wait::run(session, &sql.replace(crate::compile::ONLINE, "")).await
            }
            other => other,
        }
    }

    fn ident(name: &str) -> String {
        crate::sql::ident(name)
    }

    fn concat(parts: &[String]) -> String {
        format!("CONCAT({})", parts.join(", "))
    }

    fn quote_value(expr: &str) -> String {
        format!("QUOTE({expr})")
    }

    async fn execute(
        conn: &mut MySqlConnection,
        sql: &str,
    ) -> std::result::Result<u64, sqlx::Error> {
        conn.execute(sql).await.map(|done| done.rows_affected())
    }

    async fn fetch_all(
        conn: &mut MySqlConnection,
        sql: &str,
    ) -> std::result::Result<Vec<MySqlRow>, sqlx::Error> {
        conn.fetch_all(sql).await
    }

    fn text(row: &MySqlRow, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        text_at(row, i)
    }

    /// Counts come back as text (a `SUM` as a decimal): read as a number, NULL as 0.
    fn count(row: &MySqlRow, i: usize, sql: &str) -> Result<i64> {
        let text: Option<String> = row
            .try_get_unchecked(i)
            .map_err(|e| strata_sql::db_error::<My>("reading the counts of", sql, e))?;
        let text = text.unwrap_or_else(|| "0".into());
        text.trim()
            .parse::<f64>()
            .map(|f| f as i64)
            .map_err(|_| Error::Verification(format!("`{sql}` returned {text:?}, not a count")))
    }

    /// A statement list that took table locks and failed before its `UNLOCK TABLES` leaves
    /// them held by the session, which then may touch no other table (not even the history,
    /// to record the failure).
    async fn after_failure(conn: &mut MySqlConnection, sql: &str) {
        if sql.trim_start().starts_with("LOCK TABLES") {
            let _ = conn.execute("UNLOCK TABLES").await;
        }
    }
}

impl HistorySql for My {
    fn create(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (
  version BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  execution_ms BIGINT NULL,
  applied_by VARCHAR(255) NOT NULL,
  actions_total INT NOT NULL,
  actions_done INT NOT NULL,
  journal LONGTEXT NOT NULL,
  strata_version VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        )
    }

    fn exists(name: &str) -> String {
        format!(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {name}"
        )
    }

    fn read_column(column: &str) -> String {
        let q = My::ident(column);
        match column {
            "started_at" | "finished_at" => format!("DATE_FORMAT({q}, '%Y-%m-%dT%H:%i:%s.%fZ')"),
            _ => format!("CAST({q} AS CHAR)"),
        }
    }

    fn upsert(columns: &[&str]) -> String {
        let set: Vec<String> = columns
            .iter()
            .map(|c| format!("{0} = VALUES({0})", My::ident(c)))
            .collect();
        format!("ON DUPLICATE KEY UPDATE {}", set.join(", "))
    }

    /// A `DATETIME(6)` in UTC (the session's time zone), to the microsecond.
    fn timestamp(t: DateTime<Utc>) -> String {
        My::string(&t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
    }

    fn json(text: &str) -> String {
        My::string(text)
    }
}

/// Whether `e` is the server refusing an `ALGORITHM=`/`LOCK=` clause (errors 1845, 1846).
fn online_refused(e: &Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(sqlx::Error::Database(d)) = s.downcast_ref::<sqlx::Error>() {
            if let Some(m) = d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return matches!(m.number(), 1845 | 1846);
            }
        }
        source = s.source();
    }
    false
}
