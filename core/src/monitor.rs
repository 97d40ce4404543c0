//! `strata monitor`: what is running on the database, who is waiting for whom, and how big
//! the tables are — the monitoring queries of the migration guide, per engine.

use serde::Serialize;

pub use crate::activity::{
    sizes_of, Activity, LockWait, RunningStatement, TableSize, LONG_RUNNING,
};
use crate::driver::Driver;
use crate::error::Result;

/// The whole report of `strata monitor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// The engine.
    pub engine: String,
    /// The server's version.
    pub server_version: String,
    /// Long-running statements and lock waits.
    pub activity: Activity,
    /// Table sizes, largest first.
    pub tables: Vec<TableSize>,
}

/// Builds the report: the driver's activity, and table sizes from its inspection.
pub async fn report(driver: &dyn Driver) -> Result<Report> {
    let (activity, mut tables) = match driver.server() {
        Some(server) => (server.activity().await?, server.table_sizes().await?),
        None => (
            Activity {
                notes: vec![format!(
                    "the {} driver reports no server activity (statements, lock waits)",
                    driver.name()
                )],
                ..Activity::default()
            },
            sizes_of(&driver.inspect().await?),
        ),
    };
    tables.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.table.cmp(&b.table)));
    Ok(Report {
        engine: driver.name().to_owned(),
        server_version: driver.server_version().await?,
        activity,
        tables,
    })
}
