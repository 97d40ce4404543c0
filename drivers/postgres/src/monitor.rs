//! `strata monitor` on PostgreSQL: `pg_stat_activity` for long-running statements and
//! transactions left open, `pg_blocking_pids` for lock chains.

use strata_core::monitor::{Activity, LockWait, RunningStatement, LONG_RUNNING};
use strata_core::Result;

use crate::connection::Session;

/// Sessions of this database (strata's own excluded) running a statement, or idle in a
/// transaction, for at least [`LONG_RUNNING`].
const LONG_RUNNING_SQL: &str = "
SELECT a.pid::text, coalesce(a.state, ''), a.age::text, coalesce(a.query, '')
FROM (
  SELECT pid, state, query,
         extract(epoch FROM now() - CASE WHEN state LIKE 'idle in transaction%'
                                         THEN xact_start ELSE query_start END)::float8 AS age
  FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid()
    AND backend_type = 'client backend' AND state IS DISTINCT FROM 'idle'
) a
WHERE a.age >= {min}
ORDER BY a.age DESC";

/// Every session of this database waiting for a lock, with each session blocking it and the
/// lock it waits for.
const LOCK_WAITS_SQL: &str = "
SELECT w.pid::text, coalesce(w.query, ''),
       extract(epoch FROM now() - coalesce(w.query_start, now()))::float8::text,
       b.pid::text, coalesce(b.query, ''),
       coalesce((SELECT l.locktype || coalesce(' ' || l.relation::regclass::text, '')
                        || ' (' || l.mode || ')'
                 FROM pg_locks l WHERE l.pid = w.pid AND NOT l.granted LIMIT 1), '')
FROM pg_stat_activity w
CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocking(pid)
JOIN pg_stat_activity b ON b.pid = blocking.pid
WHERE w.datname = current_database()
ORDER BY w.pid, b.pid";

/// The server's activity.
pub async fn activity(session: &Session) -> Result<Activity> {
    let long = LONG_RUNNING_SQL.replace("{min}", &LONG_RUNNING.as_secs_f64().to_string());
    let long_running = session.rows(&long).await?;
    let lock_waits = session.rows(LOCK_WAITS_SQL).await?;
    Ok(Activity {
        long_running: long_running
            .iter()
            .map(|r| RunningStatement::from_text_row(r))
            .collect(),
        lock_waits: lock_waits
            .iter()
            .map(|r| LockWait::from_text_row(r))
            .collect(),
        notes: Vec::new(),
    })
}
