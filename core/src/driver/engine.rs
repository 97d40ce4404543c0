//! The core of a driver: who it is, what it can do, how portable types map to its own, and
//! running statements and transactions on its session.

use std::future::Future;

use async_trait::async_trait;

use crate::action::Statement;
use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
pub use crate::types::TypeMapper;

/// Identity, capabilities, statements and transactions on the driver's one session.
#[async_trait]
pub trait Engine: TypeMapper {
    /// The registered name (`postgres`).
    fn name(&self) -> &'static str;

    /// What the engine can do.
    fn capabilities(&self) -> Capabilities;

    /// The server's version string.
    async fn server_version(&self) -> Result<String>;

    /// Runs a statement; returns the number of rows it affected.
    async fn execute(&self, statement: &Statement) -> Result<u64>;

    /// Runs a query that returns one count.
    async fn query_count(&self, statement: &Statement) -> Result<i64>;

    /// Opens a transaction on the session. Callers use [`EngineExt::in_transaction`], which
    /// pairs it with [`Engine::commit`] or [`Engine::rollback_transaction`].
    async fn begin(&self) -> Result<()>;

    /// Commits the open transaction.
    async fn commit(&self) -> Result<()>;

    /// Rolls the open transaction back.
    async fn rollback_transaction(&self) -> Result<()>;
}

/// What is computed from [`Engine`]'s methods, the same for every engine.
pub trait EngineExt: Engine {
    /// Runs `body` in a transaction: commits when it returns `Ok`, rolls back when it
    /// returns an error (and returns that error; `warn` hears of a rollback that failed too).
    ///
    /// A scope rather than a guard that rolls back on drop: a rollback is a statement, and
    /// `Drop` cannot await one. A scope whose future is dropped half way leaves the session
    /// in its transaction; the runner never drops one, and a session dropped with it ends
    /// the transaction on the server.
    fn in_transaction<'a, T: Send + 'a>(
        &'a self,
        body: impl Future<Output = Result<T>> + Send + 'a,
        warn: impl FnOnce(&Error) + Send + 'a,
    ) -> impl Future<Output = Result<T>> + Send + 'a {
        async move { self.transaction_scope(body, warn).await? }
    }

    /// [`in_transaction`](Self::in_transaction), telling the two failures apart: the outer
    /// error is `begin` or `commit` failing (whether the transaction committed is then
    /// unknown), the inner one the body failing (the transaction was rolled back).
    fn transaction_scope<'a, T: Send + 'a>(
        &'a self,
        body: impl Future<Output = Result<T>> + Send + 'a,
        warn: impl FnOnce(&Error) + Send + 'a,
    ) -> impl Future<Output = Result<Result<T>>> + Send + 'a {
        async move {
            self.begin().await?;
            match body.await {
                Ok(value) => {
                    self.commit().await?;
                    Ok(Ok(value))
                }
                Err(e) => {
                    if let Err(rb) = self.rollback_transaction().await {
                        warn(&rb);
                    }
                    Ok(Err(e))
                }
            }
        }
    }

    /// A [`Error::NotSupported`] for this engine.
    fn not_supported(&self, operation: &str) -> Error {
        Error::NotSupported {
            driver: self.name().to_owned(),
            operation: operation.to_owned(),
        }
    }
}

impl<E: Engine + ?Sized> EngineExt for E {}
