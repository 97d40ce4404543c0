//! Reading the schema as the engine reports it.

use async_trait::async_trait;

use crate::error::Result;
use crate::schema::Snapshot;

/// Reads the live schema.
#[async_trait]
pub trait Inspect: Send + Sync {
    /// Reads the schema of every user table (strata's history table excluded).
    async fn inspect(&self) -> Result<Snapshot>;
}
