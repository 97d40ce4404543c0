//! A migration's DDL waits for its metadata lock in short attempts. An `ALTER TABLE` (or a
//! `LOCK TABLES … WRITE`) behind a long transaction that read the table waits for an exclusive
//! metadata lock, and every session that arrives after it queues behind it: for as long as it
//! waits, nobody reads or writes the table. So a DDL statement strata runs outside a
//! transaction (see [`attempted`]) waits with `lock_wait_timeout = 1` — the server counts that
//! timeout in whole seconds, 1 the shortest wait there is — and when the lock is not granted
//! (error 1205, the statement did nothing) the queue behind it drains and, after a pause that
//! doubles with jitter ([`timeouts::backoff`]), it tries again, until the session's lock-wait
//! timeout (`lock_wait_timeout`, 10 s by default) has been spent waiting; then it fails,
//! naming the attempts. The session's own timeout is set back after every attempt. A
//! statement refused its lock long after it started (an online `ALTER` copies the table, then
//! waits for the lock it commits under) had done its work: it runs once more waiting for what
//! is left of the budget, as without attempts, rather than losing that work attempt after
//! attempt. A lock-wait timeout under 2 s waits in one wait, as before.
//!
//! A statement list that begins with `LOCK TABLES` takes its locks in attempts the same way,
//! then runs the rest of the list with them held (and releases them should the rest fail).

use std::time::{Duration, Instant};

use strata_core::timeouts;
use strata_core::{Error, Result};
use strata_sql::Session;

use crate::dialect::My;
use crate::NAME;

/// How long one attempt waits for the lock.
const ATTEMPT: Duration = Duration::from_secs(1);

/// Runs a migration statement (or list), waiting for its lock in attempts (see the module).
pub async fn run(session: &Session<My>, sql: &str) -> Result<u64> {
    let budget = session.state.lock_wait;
    if session.in_transaction() || budget < 2 * ATTEMPT {
        return session.execute(sql).await;
    }
    match attempted(sql) {
        Some(Attempted::Whole) => in_attempts(session, sql, budget).await,
        Some(Attempted::Locking { lock, rest }) => {
            in_attempts(session, lock, budget).await?;
            match session.execute(rest).await {
                Ok(n) => Ok(n),
                Err(e) => {
                    let _ = session.execute("UNLOCK TABLES").await;
                    Err(e)
                }
            }
        }
        None => session.execute(sql).await,
    }
}

/// What of a text runs in attempts.
#[derive(Debug, PartialEq, Eq)]
enum Attempted<'a> {
    /// The whole text: one DDL statement.
    Whole,
    /// Its first statement, `LOCK TABLES …`; the rest runs after it, with the locks held.
    Locking { lock: &'a str, rest: &'a str },
}

/// Whether `sql` waits for a metadata lock others queue behind and is safe to run again when
/// it was not granted: one `ALTER`, `CREATE`, `DROP`, `RENAME` or `TRUNCATE` statement (a
/// list could fail half way, with its first statements done), or a list whose first
/// statement is `LOCK TABLES`, which does nothing when it times out.
fn attempted(sql: &str) -> Option<Attempted<'_>> {
    let text = sql.trim();
    let first = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let end = first_statement_end(text);
    match first.as_str() {
        "LOCK" => {
            let end = end?;
            let rest = text[end + 1..].trim();
            (!rest.is_empty()).then(|| Attempted::Locking {
                lock: &text[..end],
                rest,
            })
        }
        "ALTER" | "CREATE" | "DROP" | "RENAME" | "TRUNCATE" => {
            let single = end.is_none_or(|e| text[e + 1..].trim().is_empty());
            // A stored program's body holds statements of its own.
            let body = text.to_ascii_uppercase().contains(" BEGIN ");
            (single && !body).then_some(Attempted::Whole)
        }
        _ => None,
    }
}

/// The byte offset of the first `;` outside quotes, backticks and comments (`/* */`, `#`,
/// `-- `). A backslash escapes nothing: strata's session runs with `NO_BACKSLASH_ESCAPES`.
fn first_statement_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-')
                && bytes.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b';' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

async fn in_attempts(session: &Session<My>, sql: &str, budget: Duration) -> Result<u64> {
    // The time spent waiting: attempts that were refused their lock, and the pauses between.
    let mut waited = Duration::ZERO;
    let mut failed = 0u32;
    loop {
        let started = Instant::now();
        let done = attempt(session, sql, ATTEMPT).await;
        let took = started.elapsed();
        match done {
            // Refused long after it started: the statement had run (an online ALTER copies
            // the table, then waits for the lock it commits under) and lost that last wait.
            // Attempts would each redo the work and lose it again: one more run waits for
            // whatever is left of the budget, as a statement did without attempts.
            Err(e) if lock_not_granted(&e) && took > ATTEMPT + LATE => {
                let left = budget.saturating_sub(waited).max(ATTEMPT);
                tracing::info!(
                    "lock not granted after {} ms of work; running it again with a wait of {} s",
                    took.as_millis(),
                    left.as_secs()
                );
                return attempt(session, sql, left).await;
            }
            Err(e) if lock_not_granted(&e) => {
                failed += 1;
                waited += took;
                let pause = timeouts::backoff(failed);
                if waited + pause + ATTEMPT > budget {
                    return Err(Error::database(
                        NAME,
                        format!(
                            "waiting for a lock another session holds: {failed} attempts of {} s over {:.1} s (each given up so that the sessions queued behind it could go on; raise the total with ?lock_wait_timeout=SECONDS); `strata status` shows what holds it",
                            ATTEMPT.as_secs(),
                            waited.as_secs_f64()
                        ),
                        e,
                    ));
                }
                tracing::info!(
                    "lock not granted in {} s (attempt {failed}); trying again in {} ms",
                    ATTEMPT.as_secs(),
                    pause.as_millis()
                );
                tokio::time::sleep(pause).await;
                waited += pause;
            }
            other => return other,
        }
    }
}

/// How much longer than a wait an attempt may take before its refusal counts as late.
const LATE: Duration = Duration::from_millis(500);

/// `sql` with the session's lock-wait timeout at `wait` (whole seconds, at least 1), set back
/// to the budget afterwards; should setting it back fail after the statement ran, the
/// statement's own outcome is what counts.
async fn attempt(session: &Session<My>, sql: &str, wait: Duration) -> Result<u64> {
    session
        .execute(&format!(
            "SET SESSION lock_wait_timeout = {}",
            wait.as_secs().max(1)
        ))
        .await?;
    let done = session.execute(sql).await;
    let reset = format!(
        "SET SESSION lock_wait_timeout = {}",
        session.state.lock_wait.as_secs().max(1)
    );
    if let Err(e) = session.execute(&reset).await {
        tracing::warn!("setting the lock-wait timeout back failed: {e}");
    }
    done
}

/// MySQL's and MariaDB's "Lock wait timeout exceeded" (1205).
fn lock_not_granted(e: &Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(sqlx::Error::Database(d)) = s.downcast_ref::<sqlx::Error>() {
            return d
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .is_some_and(|m| m.number() == 1205);
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ddl_and_lock_lists_run_in_attempts() {
        assert_eq!(
            attempted("ALTER TABLE `t` ADD COLUMN `a` int"),
            Some(Attempted::Whole)
        );
        assert_eq!(
            attempted("ALTER TABLE `t;x` COMMENT 'a;b';"),
            Some(Attempted::Whole)
        );
        assert_eq!(
            attempted("LOCK TABLES `t` WRITE;\nUPDATE `t` SET a = 1;\nUNLOCK TABLES"),
            Some(Attempted::Locking {
                lock: "LOCK TABLES `t` WRITE",
                rest: "UPDATE `t` SET a = 1;\nUNLOCK TABLES"
            })
        );
        // Lists whose first statements could have run, row changes, programs: as written.
        assert_eq!(
            attempted("ALTER TABLE t ADD a int; ALTER TABLE t ADD b int"),
            None
        );
        assert_eq!(attempted("UPDATE t SET a = 1"), None);
        assert_eq!(attempted("INSERT INTO t SELECT 1"), None);
        assert_eq!(
            attempted("CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END"),
            None
        );
        assert_eq!(attempted("LOCK TABLES t WRITE"), None);
        assert_eq!(
            attempted("ALTER TABLE t ADD a int -- a; comment\n"),
            Some(Attempted::Whole)
        );
        assert_eq!(
            attempted("DROP TABLE t # gone; for good"),
            Some(Attempted::Whole)
        );
    }
}
