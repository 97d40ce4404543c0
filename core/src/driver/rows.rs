//! Rows in the portable value model: file backups and their restore, and the tests.

use async_trait::async_trait;

use crate::error::Result;
use crate::value::{portable_fingerprint, Fingerprint, Row};
use crate::QualifiedName;

/// Reads, writes and counts rows.
#[async_trait]
pub trait RowAccess: Send + Sync {
    /// Every row of a table, in the portable value model.
    async fn read_rows(&self, table: &QualifiedName) -> Result<Vec<Row>>;

    /// Inserts rows into a table.
    async fn write_rows(&self, table: &QualifiedName, rows: &[Row]) -> Result<u64>;

    /// The exact number of rows of a table (not an estimate).
    async fn count_rows(&self, table: &QualifiedName) -> Result<u64>;

    /// The number of rows of a table whose `column` is NULL (or, on documents, missing).
    async fn count_nulls(&self, table: &QualifiedName, column: &str) -> Result<u64>;
}

/// What is computed from [`RowAccess`], the same for every engine.
#[async_trait]
pub trait RowAccessExt: RowAccess {
    /// The portable fingerprint of a table's rows (the same on every engine for the same
    /// rows, in any order).
    async fn fingerprint(&self, table: &QualifiedName) -> Result<Fingerprint> {
        Ok(portable_fingerprint(&self.read_rows(table).await?))
    }
}

impl<R: RowAccess + ?Sized> RowAccessExt for R {}
