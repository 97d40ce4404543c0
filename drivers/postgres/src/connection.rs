//! The driver's one session: connecting, session settings, and running statements on it.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use strata_core::timeouts::{self, Timeouts};
use strata_core::{Error, Result};
use tokio::sync::{Mutex, MutexGuard};

use crate::NAME;

/// Settings strata's session runs with: literal backslashes, UTC, ISO dates, and a lock
/// timeout so a migration waiting behind a long transaction fails instead of blocking every
/// writer queued behind it (and a statement timeout, when the URL gives one).
fn session_setup(t: &Timeouts) -> String {
    let statement = t.statement.map_or(0, |d| d.as_millis());
    format!(
        "SET standard_conforming_strings = on; SET TimeZone = 'UTC'; \
         SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 1; \
         SET lock_timeout = '{}ms'; SET statement_timeout = '{statement}ms'; SET application_name = 'strata'",
        t.lock_wait.as_millis()
    )
}

/// One connection, used for everything the runner does: transactions, the advisory lock and
/// temporary functions all belong to it.
pub struct Session {
    conn: Mutex<PgConnection>,
    /// The database name (no credentials).
    pub database: String,
    /// How long strata waits for a statement's answer (see [`Timeouts::answer`]).
    answer: Option<std::time::Duration>,
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
        let t = Timeouts::from_url(url)?;
        let conn = timeouts::connect(NAME, &target, t.connect, async {
            let mut conn = PgConnection::connect_with(&options)
                .await
                .map_err(|e| Error::database(NAME, format!("connecting to {target}"), e))?;
            conn.execute(session_setup(&t).as_str())
                .await
                .map_err(|e| Error::database(NAME, "setting up the session", e))?;
            Ok(conn)
        })
        .await?;
        Ok(Session {
            conn: Mutex::new(conn),
            database,
            answer: t.answer(),
        })
    }

    /// The connection, for queries with bound parameters.
    pub async fn conn(&self) -> MutexGuard<'_, PgConnection> {
        self.conn.lock().await
    }

    /// Runs SQL text (one or several statements); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        let mut conn = self.conn.lock().await;
        let done = timeouts::answer(NAME, &doing("executing", sql), self.answer, async {
            conn.execute(sql)
                .await
                .map_err(|e| db_error("executing", sql, e))
        })
        .await?;
        Ok(done.rows_affected())
    }

    /// Runs a query whose first row's first column is a count.
    pub async fn count(&self, sql: &str) -> Result<i64> {
        let row = self.fetch_one(sql).await?;
        row.try_get::<i64, _>(0)
            .map_err(|e| db_error("reading the count of", sql, e))
    }

    /// Runs a query returning one row of counts.
    pub async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        let row = self.fetch_one(sql).await?;
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
        let rows = timeouts::answer(NAME, &doing("querying", sql), self.answer, async {
            conn.fetch_all(sql)
                .await
                .map_err(|e| db_error("querying", sql, e))
        })
        .await?;
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

    /// The first row of a query, within the answer timeout.
    async fn fetch_one(&self, sql: &str) -> Result<sqlx::postgres::PgRow> {
        let mut conn = self.conn.lock().await;
        timeouts::answer(NAME, &doing("querying", sql), self.answer, async {
            conn.fetch_one(sql)
                .await
                .map_err(|e| db_error("querying", sql, e))
        })
        .await
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

/// What strata was doing, quoting the start of the statement.
fn doing(what: &str, sql: &str) -> String {
    let mut head: String = sql.chars().take(160).collect();
    if head.len() < sql.len() {
        head.push('…');
    }
    format!("{what} `{head}`")
}

/// A database error that quotes the start of the statement it came from.
pub fn db_error(doing_what: &str, sql: &str, e: sqlx::Error) -> Error {
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
    Error::database(NAME, format!("{}{detail}", doing(doing_what, sql)), e)
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
