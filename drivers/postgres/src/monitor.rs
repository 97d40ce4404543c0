//! `strata monitor` on PostgreSQL: `pg_stat_activity` for long-running statements and
//! transactions left open, `pg_blocking_pids` for lock chains.

use strata_core::monitor::{Activity, LockWait, RunningStatement, TableSize, LONG_RUNNING};
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

/// Table sizes from the statistics in `pg_class` (as of the last VACUUM or ANALYZE): no
/// count and no size function, which would wait behind the locks a migration holds.
const TABLE_SIZES_SQL: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END,
       greatest(c.reltuples, 0)::bigint::text,
       ((c.relpages + coalesce(t.relpages, 0)
         + coalesce((SELECT sum(i.relpages) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                     WHERE x.indrelid = c.oid), 0))
        * current_setting('block_size')::bigint)::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND c.relname <> '{history}'
ORDER BY 1";

/// Table sizes, without waiting on any lock.
pub async fn table_sizes(session: &Session) -> Result<Vec<TableSize>> {
    Ok(session
        .rows(&TABLE_SIZES_SQL.replace("{history}", strata_core::HISTORY_TABLE))
        .await?
        .iter()
        .map(|r| TableSize::from_text_row(r))
        .collect())
}

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
