//! What the SQL drivers' server operations share.

use strata_core::monitor::TableSize;
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
