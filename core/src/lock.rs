//! The runner lock, held through a scope so that it is released on every path.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::driver::Driver;
use crate::error::{Error, Result};

/// Runs `body` while holding the driver's runner lock.
///
/// Waits up to `timeout` for another runner to release it (polling), then fails with
/// [`Error::LockHeld`]. The lock is released after `body` whatever it returns; if the process
/// dies instead, the engine releases it with the session (or the lease expires).
pub async fn with_lock<'a, T, F, Fut>(
    driver: &'a dyn Driver,
    timeout: Duration,
    body: F,
) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>> + 'a,
{
    let started = Instant::now();
    loop {
        if driver.try_lock().await? {
            break;
        }
        if started.elapsed() >= timeout {
            return Err(Error::LockHeld {
                lock: driver.lock_name(),
                waited_ms: started.elapsed().as_millis() as u64,
            });
        }
        tracing::info!(lock = %driver.lock_name(), "waiting for another strata runner");
        tokio::time::sleep(Duration::from_millis(200).min(timeout)).await;
    }
    let result = body().await;
    let released = driver.unlock().await;
    match (result, released) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
    }
}
