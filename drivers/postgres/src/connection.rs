//! The driver's one session: connecting, session settings, and running statements on it.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use strata_core::{Error, Result};
use tokio::sync::{Mutex, MutexGuard};

use crate::NAME;

/// Settings strata's session runs with: literal backslashes, UTC, ISO dates, and a lock
/// timeout so a migration waiting behind a long transaction fails instead of blocking every
/// writer queued behind it.
const SESSION_SETUP: &str = "SET standard_conforming_strings = on; SET TimeZone = 'UTC'; \
SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 1; \
SET lock_timeout = '10s'; SET application_name = 'strata'";

/// One connection, used for everything the runner does: transactions, the advisory lock and
/// temporary functions all belong to it.
pub struct Session {
    conn: Mutex<PgConnection>,
    /// The database name (no credentials).
    pub database: String,
}

impl Session {
    /// Connects to `url` (credentials never appear in errors).
    pub async fn connect(url: &str) -> Result<Session> {
        let options: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| {
            Error::Usage(format!(
                "invalid PostgreSQL URL: {}",
                redact_error(&e.to_string(), url)
            ))
        })?;
        let options = options.log_statements(tracing::log::LevelFilter::Trace);
        let database = options.get_database().unwrap_or("postgres").to_owned();
        let target = format!("{}:{}/{}", options.get_host(), options.get_port(), database);
        let mut conn = PgConnection::connect_with(&options)
            .await
            .map_err(|e| Error::database(NAME, format!("connecting to {target}"), e))?;
        conn.execute(SESSION_SETUP)
            .await
            .map_err(|e| Error::database(NAME, "setting up the session", e))?;
        Ok(Session {
            conn: Mutex::new(conn),
            database,
        })
    }

    /// The connection, for queries with bound parameters.
    pub async fn conn(&self) -> MutexGuard<'_, PgConnection> {
        self.conn.lock().await
    }

    /// Runs SQL text (one or several statements); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        let mut conn = self.conn.lock().await;
        let done = conn
            .execute(sql)
            .await
            .map_err(|e| db_error("executing", sql, e))?;
        Ok(done.rows_affected())
    }

    /// Runs a query whose first row's first column is a count.
    pub async fn count(&self, sql: &str) -> Result<i64> {
        let mut conn = self.conn.lock().await;
        let row = conn
            .fetch_one(sql)
            .await
            .map_err(|e| db_error("querying", sql, e))?;
        row.try_get::<i64, _>(0)
            .map_err(|e| db_error("reading the count of", sql, e))
    }

    /// Runs a query returning one row of counts.
    pub async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        let mut conn = self.conn.lock().await;
        let row = conn
            .fetch_one(sql)
            .await
            .map_err(|e| db_error("querying", sql, e))?;
        (0..row.len())
            .map(|i| {
                row.try_get::<i64, _>(i)
                    .map_err(|e| db_error("reading the counts of", sql, e))
            })
            .collect()
    }

    /// Runs a query whose every column is text; returns every row.
    pub async fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let mut conn = self.conn.lock().await;
        let rows = conn
            .fetch_all(sql)
            .await
            .map_err(|e| db_error("querying", sql, e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<Option<String>, _>(i)
                            .map_err(|e| db_error("reading", sql, e))
                    })
                    .collect()
            })
            .collect()
    }

    /// Runs a query returning text rows (the first column of each).
    pub async fn texts(&self, sql: &str) -> Result<Vec<Option<String>>> {
        Ok(self
            .rows(sql)
            .await?
            .into_iter()
            .map(|r| r.into_iter().next().flatten())
            .collect())
    }
}

#[async_trait::async_trait]
impl strata_core::counter::CountSource for Session {
    fn quote_table(&self, name: &strata_core::QualifiedName) -> String {
        crate::sql::table(name)
    }

    async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        Session::counts(self, sql).await
    }
}

/// A database error that quotes the start of the statement it came from.
pub fn db_error(doing: &str, sql: &str, e: sqlx::Error) -> Error {
    let mut head: String = sql.chars().take(160).collect();
    if head.len() < sql.len() {
        head.push('…');
    }
    let detail = match &e {
        sqlx::Error::Database(d) => {
            let pg = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
            match pg.and_then(|p| p.detail().map(str::to_owned)) {
                Some(detail) => format!(" ({detail})"),
                None => String::new(),
            }
        }
        _ => String::new(),
    };
    Error::database(NAME, format!("{doing} `{head}`{detail}"), e)
}

/// Removes the password of `url` from `message`.
pub fn redact_error(message: &str, url: &str) -> String {
    match url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(auth, _)| auth.split_once(':'))
    {
        Some((_, password)) if !password.is_empty() => message.replace(password, "***"),
        _ => message.to_owned(),
    }
}
