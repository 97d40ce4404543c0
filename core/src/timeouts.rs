//! How long a driver waits for its server: to connect, for a statement's answer, and for a
//! lock another session holds. A server that accepts the connection and never answers must
//! not hang strata without a word.
//!
//! Each is read from the URL's query, in seconds, the way libpq spells `connect_timeout`:
//! `?connect_timeout=3&statement_timeout=600&lock_wait_timeout=5`; `strata.toml`'s
//! `[timeouts]` table gives the same keys for URLs that do not. Client libraries ignore the
//! keys they do not know.

use std::future::Future;
use std::time::Duration;

use crate::{Error, Result};

/// The connect timeout when the URL gives none.
pub const DEFAULT_CONNECT: Duration = Duration::from_secs(10);
/// The lock-wait timeout when the URL gives none: a DDL statement waiting behind another
/// session's transaction gives up, instead of queueing every other session behind it.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(10);

/// How long one attempt at a lock waits, where the driver retries (PostgreSQL DDL, inside the
/// migration's transaction): a statement waiting for a strong lock queues every session that
/// comes after it, so it gives up after this long, lets them through, and tries again, until
/// the lock-wait timeout has passed.
pub const LOCK_ATTEMPT: Duration = Duration::from_millis(500);

/// The pause before attempt `n + 1` at a lock (`n` ≥ 1 attempts failed): 50 ms doubled each
/// time up to 1.6 s, with up to half of it again at random, so that runners retrying together
/// drift apart.
pub fn backoff(n: u32) -> Duration {
    let base = 50u64 << n.saturating_sub(1).min(5);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    // An xorshift of the clock's nanoseconds: jitter needs no more randomness than this.
    let mut x = nanos ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    Duration::from_millis(base + x % (base / 2 + 1))
}

/// The query keys strata reads (and the `[timeouts]` keys of `strata.toml`, without the
/// `_timeout`).
pub const KEYS: [&str; 3] = ["connect_timeout", "statement_timeout", "lock_wait_timeout"];

/// A driver's timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open the connection and finish its handshake.
    pub connect: Duration,
    /// For one statement's answer; `None` (the default): as long as it takes, since a
    /// migration's statement may rightly run for hours. Enforced by the server where it
    /// can (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`) and by strata a few
    /// seconds later, for a server that no longer answers at all.
    pub statement: Option<Duration>,
    /// For a lock another session holds.
    pub lock_wait: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT,
            statement: None,
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }
}

impl Timeouts {
    /// The timeouts `url`'s query gives, the defaults for the others. A value that is not a
    /// whole number of seconds is a usage error naming the key.
    pub fn from_url(url: &str) -> Result<Timeouts> {
        let mut t = Timeouts::default();
        let Some((_, query)) = url.split_once('?') else {
            return Ok(t);
        };
        let query = query.split('#').next().unwrap_or_default();
        for pair in query.split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if !KEYS.contains(&key) {
                continue;
            }
            let secs: u64 = value.trim().parse().map_err(|_| {
                Error::Usage(format!(
                    "URL parameter {key}={value:?} must be a whole number of seconds"
                ))
            })?;
            let d = Duration::from_secs(secs);
            match key {
                "connect_timeout" => t.connect = if secs == 0 { DEFAULT_CONNECT } else { d },
                "statement_timeout" => t.statement = (secs > 0).then_some(d),
                _ => t.lock_wait = d,
            }
        }
        Ok(t)
    }

    /// How long strata itself waits for a statement's answer: the statement timeout and a
    /// margin, so that the server's own, clearer error comes first when it is alive.
    pub fn answer(&self) -> Option<Duration> {
        self.statement.map(|d| d + Duration::from_secs(5))
    }
}

/// `url` with `key=value` added to its query for each `(key, value)` it does not give yet:
/// how the CLI passes `strata.toml`'s `[timeouts]` on.
pub fn with_defaults(url: &str, pairs: &[(&str, u64)]) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let given = |key: &str| {
        base.split_once('?').is_some_and(|(_, q)| {
            q.split('&')
                .any(|p| p.split_once('=').map_or(p, |(k, _)| k) == key)
        })
    };
    let mut out = base.to_owned();
    for (key, value) in pairs.iter().filter(|(k, _)| !given(k)) {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&format!("{key}={value}"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Runs `connecting` for at most `limit`; past it, an error naming `target` and the key that
/// raises it.
pub async fn connect<T>(
    driver: &str,
    target: &str,
    limit: Duration,
    connecting: impl Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, connecting).await {
        Ok(r) => r,
        Err(_) => Err(Error::database(
            driver,
            format!("connecting to {target}"),
            format!(
                "no answer within {} s (raise it with ?connect_timeout=SECONDS in the URL, or [timeouts] connect in strata.toml)",
                limit.as_secs()
            ),
        )),
    }
}

/// Runs `statement` for at most `limit` (none: as long as it takes); past it, an error
/// naming what was being done.
pub async fn answer<T>(
    driver: &str,
    doing: &str,
    limit: Option<Duration>,
    statement: impl Future<Output = Result<T>>,
) -> Result<T> {
    let Some(limit) = limit else {
        return statement.await;
    };
    match tokio::time::timeout(limit, statement).await {
        Ok(r) => r,
        Err(_) => Err(Error::database(
            driver,
            doing.to_owned(),
            format!(
                "the server gave no answer within {} s (statement_timeout in the URL or [timeouts] statement in strata.toml)",
                limit.as_secs()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_from_the_query() {
        assert_eq!(
            Timeouts::from_url("postgres://h/db").unwrap(),
            Timeouts::default()
        );
        let t = Timeouts::from_url(
            "postgres://h/db?sslmode=disable&connect_timeout=3&statement_timeout=600&lock_wait_timeout=2#x",
        )
        .unwrap();
        assert_eq!(t.connect, Duration::from_secs(3));
        assert_eq!(t.statement, Some(Duration::from_secs(600)));
        assert_eq!(t.lock_wait, Duration::from_secs(2));
        let e = Timeouts::from_url("mysql://h/db?connect_timeout=soon").unwrap_err();
        assert!(e.to_string().contains("connect_timeout"), "{e}");
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_a_bound() {
        for n in 1..12 {
            let base = 50u64 << (n - 1).min(5);
            let d = backoff(n).as_millis() as u64;
            assert!((base..=base + base / 2).contains(&d), "attempt {n}: {d} ms");
        }
        assert!(backoff(40) <= Duration::from_millis(2400));
    }

    #[test]
    fn defaults_are_added_where_the_url_gives_none() {
        assert_eq!(
            with_defaults("postgres://h/db", &[("connect_timeout", 3)]),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_defaults(
                "postgres://h/db?connect_timeout=1#f",
                &[("connect_timeout", 3), ("lock_wait_timeout", 4)]
            ),
            "postgres://h/db?connect_timeout=1&lock_wait_timeout=4#f"
        );
    }

    #[tokio::test]
    async fn a_silent_connect_is_cut_short() {
        let e = connect("x", "h:1/db", Duration::from_millis(50), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("connecting to h:1/db"), "{e}");
    }
}
