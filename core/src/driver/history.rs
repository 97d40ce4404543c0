//! The history table, `strata_migrations`.

use async_trait::async_trait;

use crate::error::Result;
use crate::history::HistoryRecord;

/// Reads and writes the history table.
#[async_trait]
pub trait HistoryStore: Send + Sync {
    /// Creates `strata_migrations` if it does not exist.
    async fn ensure_history(&self) -> Result<()>;

    /// Every history record, by version.
    async fn history(&self) -> Result<Vec<HistoryRecord>>;

    /// Inserts or replaces the record for `record.version`.
    async fn record(&self, record: &HistoryRecord) -> Result<()>;
}
