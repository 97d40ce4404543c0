//! The driver's one session: connecting, session settings, the server's flavor and version,
//! and running statements on it.

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use strata_core::timeouts::{self, Timeouts};
use strata_core::{Error, Result};
use tokio::sync::{Mutex, MutexGuard};

use crate::NAME;

/// Strict mode so nothing is silently truncated or zeroed; literal backslashes, so quoting a
/// string is doubling its quotes; a 0 written into an AUTO_INCREMENT key stays 0, as mysqldump
/// restores it, not the next counter value (a placeholder parent for key 0, a restored row);
/// UTC; and bounded waits for metadata and row locks, so a migration stuck behind a long
/// transaction fails instead of queueing every writer.
fn session_setup(t: &Timeouts) -> String {
    let lock = t.lock_wait.as_secs().max(1);
    format!(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO'; \
         SET SESSION time_zone = '+00:00'; SET SESSION lock_wait_timeout = {lock}; SET SESSION innodb_lock_wait_timeout = {lock}; \
         SET SESSION group_concat_max_len = 1048576; SET SESSION foreign_key_checks = 1"
    )
}

/// The server's own statement time limit, where it has one for every statement (MariaDB's
/// `max_statement_time`; MySQL's `max_execution_time` covers only SELECT, so strata's own
/// answer timeout is all MySQL gets).
fn statement_limit(flavor: Flavor, t: &Timeouts) -> Option<String> {
    let secs = t.statement?.as_secs();
    (flavor == Flavor::MariaDb).then(|| format!("SET SESSION max_statement_time = {secs}"))
}

/// Which server it is: they differ in what DDL they accept (see docs/mysql.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// MariaDB 10.6 and later.
    MariaDb,
    /// MySQL 8.0 and later.
    MySql,
}

/// One connection, used for everything the runner does: the runner lock and the
/// transactions that journal DML belong to it.
pub struct Session {
    conn: Mutex<MySqlConnection>,
    /// The database name (no credentials).
    pub database: String,
    /// MariaDB or MySQL.
    pub flavor: Flavor,
    /// The server's version string.
    pub version: String,
    /// How long strata waits for a statement's answer (see [`Timeouts::answer`]).
    answer: Option<std::time::Duration>,
}

impl Session {
    /// Connects to `url` (`mysql://` or `mariadb://`; credentials never appear in errors).
    pub async fn connect(url: &str) -> Result<Session> {
        let normalized = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        };
        let options: MySqlConnectOptions = normalized.parse().map_err(|_| {
            Error::Usage("invalid MySQL URL (expected mysql://user@host:port/database)".into())
        })?;
        let options = options.log_statements(tracing::log::LevelFilter::Trace);
        let database = options
            .get_database()
            .map(str::to_owned)
            .ok_or_else(|| Error::Usage("the MySQL URL names no database".into()))?;
        let target = format!("{}:{}/{database}", options.get_host(), options.get_port());
        let t = Timeouts::from_url(url)?;
        let (conn, version, flavor) = timeouts::connect(NAME, &target, t.connect, async {
            let mut conn = MySqlConnection::connect_with(&options)
                .await
                .map_err(|e| Error::database(NAME, format!("connecting to {target}"), e))?;
            conn.execute(session_setup(&t).as_str())
                .await
                .map_err(|e| Error::database(NAME, "setting up the session", e))?;
            let version: String = conn
                .fetch_one("SELECT VERSION()")
                .await
                .and_then(|r| r.try_get_unchecked::<String, _>(0))
                .map_err(|e| Error::database(NAME, "reading the server version", e))?;
            let flavor = if version.to_ascii_lowercase().contains("mariadb") {
                Flavor::MariaDb
            } else {
                Flavor::MySql
            };
            if flavor == Flavor::MySql {
                // Catalog statistics (row counts, AUTO_INCREMENT) are cached for a day by default.
                conn.execute("SET SESSION information_schema_stats_expiry = 0")
                    .await
                    .map_err(|e| Error::database(NAME, "setting up the session", e))?;
            }
            if let Some(limit) = statement_limit(flavor, &t) {
                conn.execute(limit.as_str())
                    .await
                    .map_err(|e| Error::database(NAME, "setting up the session", e))?;
            }
            Ok((conn, version, flavor))
        })
        .await?;
        Ok(Session {
            conn: Mutex::new(conn),
            database,
            flavor,
            version,
            answer: t.answer(),
        })
    }

    /// The connection, for queries with bound parameters.
    pub async fn conn(&self) -> MutexGuard<'_, MySqlConnection> {
        self.conn.lock().await
    }

    /// Runs SQL text (one or several statements); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        let mut conn = self.conn.lock().await;
        let answered = timeouts::answer(NAME, &doing("executing", sql), self.answer, async {
            Ok(conn.execute(sql).await)
        })
        .await?;
        match answered {
            Ok(done) => Ok(done.rows_affected()),
            Err(e) => {
                // A statement list that took table locks and failed before its `UNLOCK TABLES`
                // leaves them held by the session, which then may touch no other table (not
                // even the history, to record the failure).
                if sql.trim_start().starts_with("LOCK TABLES") {
                    let _ = conn.execute("UNLOCK TABLES").await;
                }
                Err(db_error("executing", sql, e))
            }
        }
    }

    /// Runs a query returning one row of integer counts.
    pub async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        let rows = self.fetch_all(sql).await?;
        let Some(row) = rows.last() else {
            return Err(Error::Verification(format!("`{sql}` returned no row")));
        };
        (0..row.len())
            .map(|i| {
                let text: Option<String> = row
                    .try_get_unchecked(i)
                    .map_err(|e| db_error("reading the counts of", sql, e))?;
                let text = text.unwrap_or_else(|| "0".into());
                text.trim().parse::<f64>().map(|f| f as i64).map_err(|_| {
                    Error::Verification(format!("`{sql}` returned {text:?}, not a count"))
                })
            })
            .collect()
    }

    /// Every row of a query, within the answer timeout.
    async fn fetch_all(&self, sql: &str) -> Result<Vec<sqlx::mysql::MySqlRow>> {
        let mut conn = self.conn.lock().await;
        timeouts::answer(NAME, &doing("querying", sql), self.answer, async {
            conn.fetch_all(sql)
                .await
                .map_err(|e| db_error("querying", sql, e))
        })
        .await
    }

    /// Runs a query whose first row's first column is a count.
    pub async fn count(&self, sql: &str) -> Result<i64> {
        Ok(self.counts(sql).await?.first().copied().unwrap_or(0))
    }

    /// Runs a query returning text rows (every column of each).
    pub async fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self.fetch_all(sql).await?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| text_at(r, i).map_err(|e| db_error("reading", sql, e)))
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
            .map(|mut r| if r.is_empty() { None } else { r.swap_remove(0) })
            .collect())
    }
}

/// A column as text, whatever its type (binary columns are read as UTF-8).
fn text_at(
    row: &sqlx::mysql::MySqlRow,
    i: usize,
) -> std::result::Result<Option<String>, sqlx::Error> {
    match row.try_get_unchecked::<Option<String>, _>(i) {
        Ok(v) => Ok(v),
        Err(_) => Ok(row
            .try_get_unchecked::<Option<Vec<u8>>, _>(i)?
            .map(|b| String::from_utf8_lossy(&b).into_owned())),
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
    Error::database(NAME, doing(doing_what, sql), e)
}
