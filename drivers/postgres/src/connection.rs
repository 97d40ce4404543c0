//! The driver's one session: connecting and the session's settings; running statements on it
//! is the shared layer's ([`strata_sql::Session`]).

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};
use strata_core::timeouts::{self, Timeouts};
use strata_core::{Error, Result};

use crate::dialect::Pg;
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

/// The driver's one session: the shared one, on a `PgConnection`.
pub type Session = strata_sql::Session<Pg>;

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
    Ok(Session::new(
        conn,
        t.answer(),
        database,
        crate::lock_wait::LockWait(t.lock_wait),
    ))
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
