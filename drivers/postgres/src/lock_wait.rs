//! A migration's DDL waits for locks in short attempts. A statement that waits for a strong
//! lock (an `ALTER TABLE` behind a long-running reader) queues every later session on that
//! table behind it: for as long as it waits, nobody reads or writes. Inside the migration's
//! transaction each DDL statement (see [`takes_table_locks`]) therefore runs under a savepoint with
//! `lock_timeout` = [`LOCK_ATTEMPT`] (500 ms, or the lock-wait timeout when that is shorter);
//! when the lock is not granted in time the savepoint is rolled back (the transaction and
//! everything done before stay), the queue behind drains, and after a pause that doubles with
//! jitter ([`timeouts::backoff`]) the statement tries again, the last attempt waiting only for
//! what is left, until the session's lock-wait timeout (`lock_wait_timeout`, 10 s by default)
//! has passed. Then it fails as before, naming the attempts. A lock-wait timeout of 0 waits
//! as long as it takes, in one wait. Each attempt waits less than PostgreSQL's
//! `deadlock_timeout` (1 s), so a deadlock with another session is not detected as one: the
//! attempts run out and the migration fails after the lock-wait timeout instead.
//!
//! Outside a transaction (an online index build) a statement waits once, for the whole
//! lock-wait timeout: `CREATE INDEX CONCURRENTLY` takes no lock that stops readers or
//! writers.

use std::time::{Duration, Instant};

use strata_core::timeouts::{self, LOCK_ATTEMPT};
use strata_core::{Error, Result};

use crate::connection::Session;
use crate::NAME;

const SAVEPOINT: &str = "strata_attempt";

/// The session's lock-wait timeout: how long a statement may wait for a lock in all.
#[derive(Debug, Clone, Copy)]
pub struct LockWait(pub Duration);

/// Runs a migration statement, waiting for its locks in attempts (see the module).
pub async fn run(session: &Session, sql: &str) -> Result<u64> {
    let budget = session.state.0;
    // A lock-wait timeout of 0 waits as long as it takes, in one wait.
    if !session.in_transaction() || budget.is_zero() || !takes_table_locks(sql) {
        return session.execute(sql).await;
    }
    let started = Instant::now();
    let mut failed = 0u32;
    loop {
        // The last attempt waits only for what is left of the budget.
        let left = budget.saturating_sub(started.elapsed());
        let each = LOCK_ATTEMPT.min(left).max(Duration::from_millis(1));
        let attempt = format!(
            "SAVEPOINT {SAVEPOINT};\nSET LOCAL lock_timeout = '{}ms';\n{sql}\n;\nSET LOCAL lock_timeout = '{}ms';\nRELEASE SAVEPOINT {SAVEPOINT}",
            each.as_millis(),
            budget.as_millis()
        );
        match session.execute_as(&attempt, sql).await {
            Ok(n) => return Ok(n),
            Err(e) if lock_not_granted(&e) => {
                failed += 1;
                // The savepoint undoes the attempt (and its lock_timeout), and goes: the
                // transaction goes on as it was before it, with no subtransaction left over.
                session
                    .execute(&format!(
                        "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
                    ))
                    .await?;
                let pause = timeouts::backoff(failed).min(budget.saturating_sub(started.elapsed()));
                if started.elapsed() + pause + Duration::from_millis(1) >= budget {
                    return Err(Error::database(
                        NAME,
                        format!(
                            "waiting for a lock another session holds: {failed} attempts of up to {} ms over {:.1} s (each given up so that the sessions queued behind it could go on; raise the total with ?lock_wait_timeout=SECONDS); `strata status` shows what holds it",
                            LOCK_ATTEMPT.min(budget).as_millis(),
                            started.elapsed().as_secs_f64()
                        ),
                        e,
                    ));
                }
                tracing::info!(
                    "lock not granted in {} ms (attempt {failed}); trying again in {} ms",
                    each.as_millis(),
                    pause.as_millis()
                );
                tokio::time::sleep(pause).await;
            }
            // Any other error aborts the transaction, as without attempts.
            Err(e) => return Err(e),
        }
    }
}

/// Whether `sql` is a statement that takes a table lock others queue behind (DDL, `LOCK`),
/// and is safe to run in attempts: row changes (a backfill's batches, thousands in a
/// migration) would each cost a subtransaction, and a text with its own transaction control,
/// savepoints or `NOWAIT` (a `sql` step's, a `DO` block's `BEGIN … END`) runs as written.
fn takes_table_locks(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let ddl = matches!(
        first.as_str(),
        "ALTER" | "LOCK" | "CREATE" | "DROP" | "COMMENT" | "GRANT" | "REVOKE" | "TRUNCATE"
    );
    // strata's own `DO $strata$ … $strata$` blocks (a comment kept on a backup) hold their
    // own `BEGIN … END` and no transaction control; a user's `$$` body is read as written.
    let upper: String = sql
        .split("$strata$")
        .step_by(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    let own_control = upper
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| {
            matches!(
                w,
                "COMMIT"
                    | "ROLLBACK"
                    | "BEGIN"
                    | "SAVEPOINT"
                    | "RELEASE"
                    | "END"
                    | "NOWAIT"
                    | "ABORT"
            )
        });
    ddl && !own_control
}

/// The statement of an attempt's text (as another session sees it in `pg_stat_activity`),
/// without the savepoint and settings around it; any other text as it is.
pub fn unwrapped(text: &str) -> &str {
    let Some(rest) = text.strip_prefix(&format!(
        "SAVEPOINT {SAVEPOINT};\nSET LOCAL lock_timeout = '"
    )) else {
        return text;
    };
    let body = rest.split_once("';\n").map_or(rest, |(_, b)| b);
    body.rsplit_once("\n;\nSET LOCAL lock_timeout = '")
        .map_or(body, |(statement, _)| statement)
}

/// Whether `e` is PostgreSQL's `lock_not_available` (55P03): `lock_timeout` expired.
fn lock_not_granted(e: &Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(sqlx::Error::Database(d)) = s.downcast_ref::<sqlx::Error>() {
            return d.code().as_deref() == Some("55P03");
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_attempt_shows_as_its_statement() {
        let sql = "ALTER TABLE t ADD COLUMN c int; -- done";
        let attempt = format!(
            "SAVEPOINT strata_attempt;\nSET LOCAL lock_timeout = '500ms';\n{sql}\n;\nSET LOCAL lock_timeout = '10000ms';\nRELEASE SAVEPOINT strata_attempt"
        );
        assert_eq!(super::unwrapped(&attempt), sql);
        assert_eq!(super::unwrapped("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn only_ddl_without_its_own_transaction_control_runs_in_attempts() {
        use super::takes_table_locks as ddl;
        assert!(ddl("ALTER TABLE t ADD COLUMN c int"));
        assert!(ddl(
            "LOCK TABLE \"t\" IN EXCLUSIVE MODE;\nCREATE TABLE b AS SELECT 1"
        ));
        assert!(ddl("  create index i on t (c)"));
        assert!(!ddl(
            "UPDATE t SET c = 1 WHERE id IN (SELECT id FROM b LIMIT 10)"
        ));
        assert!(!ddl("INSERT INTO t SELECT * FROM b"));
        assert!(!ddl("CREATE TABLE x (id int); COMMIT; BEGIN"));
        assert!(!ddl("LOCK TABLE t NOWAIT"));
        // A user's `DO` block's `BEGIN … END` may be anything: run as written; strata's own
        // (`$strata$`) are read past.
        assert!(!ddl("DO $$ BEGIN ALTER TABLE t ADD c int; END $$"));
        assert!(ddl(
            "LOCK TABLE t IN EXCLUSIVE MODE;\nCREATE TABLE b AS SELECT 1;\nDO $strata$ BEGIN NULL; END $strata$"
        ));
    }
}
