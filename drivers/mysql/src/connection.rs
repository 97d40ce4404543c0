//! The driver's one session: connecting, session settings, the server's flavor and version;
//! running statements on it is the shared layer's ([`strata_sql::Session`]).

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use strata_core::timeouts::{self, Timeouts};
use strata_core::{Error, Result};

use crate::dialect::My;
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

/// The driver's one session: the shared one, on a `MySqlConnection`, knowing its server.
pub type Session = strata_sql::Session<My>;

/// Which server the session talks to.
#[derive(Debug, Clone)]
pub struct Server {
    /// MariaDB or MySQL.
    pub flavor: Flavor,
    /// The server's version string.
    pub version: String,
    /// How long a statement may wait for a lock in all (see [`crate::lock_wait`]).
    pub lock_wait: std::time::Duration,
}

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
    Ok(Session::new(
        conn,
        t.answer(),
        database,
        Server {
            flavor,
            version,
            lock_wait: t.lock_wait,
        },
    ))
}

/// A column as text, whatever its type (binary columns are read as UTF-8).
pub(crate) fn text_at(
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
