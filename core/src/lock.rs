//! The runner lock, held through a scope so that it is released on every path.
//!
//! A runner that finds the lock taken waits (60 s by default, `--lock-timeout`; 0 fails at
//! once), and says once who holds it, as far as the engine tells: a runner killed while the
//! server still executes its statement keeps its session, and the lock with it, until that
//! statement ends; a plain re-run must then simply wait and resume.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::driver::Driver;
use crate::error::{Error, Result};

/// How long a runner waits for the lock unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

pub use crate::lock_holder::{statement_text, LockHolder};

/// Runs `body` while holding the driver's runner lock.
///
/// Waits up to `timeout` for another runner to release it (polling), saying once through
/// `notify` who holds it, then fails with [`Error::LockHeld`]. The lock is released after
/// `body` whatever it returns; if the process dies instead, the engine releases it with the
/// session (or the lease expires).
pub async fn with_lock<'a, T, F, Fut>(
    driver: &'a dyn Driver,
    timeout: Duration,
    notify: &(dyn Fn(&str) + Send + Sync),
    body: F,
) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>> + 'a,
{
    let started = Instant::now();
    let mut holder: Option<Option<LockHolder>> = None;
    loop {
        if driver.try_lock().await? {
            break;
        }
        if holder.is_none() {
            let who = driver.lock_holder().await.unwrap_or(None);
            if !timeout.is_zero() {
                notify(&format!(
                    "the runner lock {} is held by {}; waiting up to {} s for it",
                    driver.lock_name(),
                    who.as_ref()
                        .map_or_else(|| "another runner".to_owned(), ToString::to_string),
                    timeout.as_secs()
                ));
            }
            holder = Some(who);
        }
        if started.elapsed() >= timeout {
            return Err(Error::LockHeld {
                lock: driver.lock_name(),
                waited_ms: started.elapsed().as_millis() as u64,
                holder: holder.flatten().map(Box::new),
            });
        }
        tokio::time::sleep(Duration::from_millis(200).min(timeout)).await;
    }
    if holder.is_some() {
        notify(&format!(
            "took the runner lock after {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    let result = body().await;
    let released = driver.unlock().await;
    match (result, released) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
    }
}
