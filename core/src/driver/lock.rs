//! The runner lock (the waiting and the messages are `crate::lock`'s).

use async_trait::async_trait;

use crate::error::Result;
use crate::lock_holder::LockHolder;

/// The lock that keeps two runners apart.
#[async_trait]
pub trait RunnerLock: Send + Sync {
    /// The runner lock's name as the engine knows it, for messages.
    fn lock_name(&self) -> String;

    /// Takes the runner lock if it is free; `false` if another runner holds it.
    async fn try_lock(&self) -> Result<bool>;

    /// Releases the runner lock.
    async fn unlock(&self) -> Result<()>;

    /// Who holds the runner lock now, as far as the engine tells (`None`: nobody, or the
    /// engine cannot say). Asked once while a runner waits, and by `strata status`.
    async fn lock_holder(&self) -> Result<Option<LockHolder>>;
}
