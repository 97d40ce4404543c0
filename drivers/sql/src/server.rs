//! What the SQL drivers' server operations share.

use strata_core::monitor::{Activity, TableSize};
use strata_core::Result;

use crate::{Dialect, Session};

/// The tables' sizes from `sql`, a query of the engine's statistics returning table, rows and
/// bytes as text, in which `{history}` stands for strata's history table (left out of the
/// list). The statistics wait on no lock a migration holds, unlike a count.
pub async fn table_sizes<D: Dialect>(session: &Session<D>, sql: &str) -> Result<Vec<TableSize>> {
    Ok(session
        .rows(&sql.replace("{history}", strata_core::HISTORY_TABLE))
        .await?
        .iter()
        .map(|r| TableSize::from_text_row(r))
        .collect())
}

/// The server's activity: the statements `long_running_sql` lists (its `{min}` stands for
/// the seconds after which a statement counts as long), and the lock waits `lock_waits`
/// (rows of text, as [`Activity::from_text_rows`] reads them).
pub async fn activity<D: Dialect>(
    session: &Session<D>,
    long_running_sql: &str,
    min_seconds: impl std::fmt::Display,
    lock_waits: Vec<Vec<Option<String>>>,
) -> Result<Activity> {
    let long = long_running_sql.replace("{min}", &min_seconds.to_string());
    let long_running = session.rows(&long).await?;
    Ok(Activity::from_text_rows(&long_running, lock_waits.iter()))
}
