//! PostgreSQL as the shared SQL layer needs it ([`strata_sql::Dialect`]): quoting, running text
//! on a `PgConnection`, reading cells, the server's `DETAIL`, and the text of the history
//! table, in the connection's current schema.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, Row};
use strata_core::Result;
use strata_sql::{Dialect, HistorySql};

use crate::NAME;
use strata_core::{Capabilities, PortableType};
use strata_sql::Session;

/// The PostgreSQL dialect.
pub struct Pg;

#[async_trait]
impl Dialect for Pg {
    type Db = sqlx::Postgres;
    type State = crate::lock_wait::LockWait;

    const ENGINE: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;
    const COUNT: &'static str = "count(*)::bigint";

    fn native_type(ty: PortableType) -> String {
        crate::types::native(ty)
    }

    /// Waits for locks in short attempts inside the migration's transaction
    /// ([`crate::lock_wait`]).
    async fn run(session: &Session<Self>, sql: &str) -> Result<u64> {
        crate::lock_wait::run(session, sql).await
    }

    async fn server_version(session: &Session<Self>) -> Result<String> {
        Ok(session
            .texts("SHOW server_version")
            .await?
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_default())
    }

    fn ident(name: &str) -> String {
        crate::sql::ident(name)
    }

    fn as_text(expr: &str) -> String {
        format!("({expr})::text")
    }

    fn quote_value(expr: &str) -> String {
        format!("quote_literal({expr})")
    }

    async fn execute(conn: &mut PgConnection, sql: &str) -> std::result::Result<u64, sqlx::Error> {
        conn.execute(sql).await.map(|done| done.rows_affected())
    }

    async fn fetch_all(
        conn: &mut PgConnection,
        sql: &str,
    ) -> std::result::Result<Vec<PgRow>, sqlx::Error> {
        conn.fetch_all(sql).await
    }

    fn text(row: &PgRow, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        row.try_get::<Option<String>, _>(i)
    }

    fn count(row: &PgRow, i: usize, sql: &str) -> Result<i64> {
        row.try_get::<i64, _>(i)
            .map_err(|e| strata_sql::db_error::<Pg>("reading the counts of", sql, e))
    }

    fn error_detail(e: &sqlx::Error) -> Option<String> {
        match e {
            sqlx::Error::Database(d) => d
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .and_then(|p| p.detail().map(str::to_owned)),
            _ => None,
        }
    }
}

impl HistorySql for Pg {
    fn create(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (
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
)"
        )
    }

    fn exists(name: &str) -> String {
        format!("SELECT COUNT(*) FROM (SELECT to_regclass({name}) AS t) x WHERE t IS NOT NULL")
    }

    fn read_column(column: &str) -> String {
        let q = Pg::ident(column);
        match column {
            "started_at" | "finished_at" => {
                format!("to_char({q} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            }
            _ => format!("{q}::text"),
        }
    }

    fn upsert(columns: &[&str]) -> String {
        let set: Vec<String> = columns
            .iter()
            .map(|c| format!("{0} = EXCLUDED.{0}", Pg::ident(c)))
            .collect();
        format!("ON CONFLICT (version) DO UPDATE SET {}", set.join(", "))
    }

    fn timestamp(t: DateTime<Utc>) -> String {
        format!(
            "{}::timestamptz",
            Pg::string(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
        )
    }

    fn json(text: &str) -> String {
        format!("{}::jsonb", Pg::string(text))
    }
}
