//! What the PostgreSQL server reports: `strata verify`'s checks (indexes valid, constraints
//! validated), the facts the pre-migration checks read ([`facts`]), and for `strata monitor`
//! table sizes from the statistics, `pg_stat_activity` for long-running statements and
//! transactions left open, `pg_blocking_pids` for lock chains.

use async_trait::async_trait;
use strata_core::checks::ServerFacts;
use strata_core::driver::{Engine, Inspect, ServerOps};
use strata_core::monitor::{Activity, TableSize, LONG_RUNNING};
use strata_core::{QualifiedName, Result, VerifyCheck};

use crate::{facts, PostgresDriver};

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

#[async_trait]
impl ServerOps for PostgresDriver {
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        let snapshot = self.inspect().await?;
        let invalid: Vec<String> = snapshot
            .tables
            .values()
            .flat_map(|t| {
                t.indexes
                    .iter()
                    .filter(|i| !i.valid)
                    .map(move |i| format!("{}.{}", t.name, i.name))
            })
            .collect();
        let unvalidated: Vec<String> = snapshot
            .tables
            .values()
            .flat_map(|t| {
                t.constraints
                    .iter()
                    .filter(|c| !c.validated)
                    .map(move |c| format!("{}.{}", t.name, c.name))
            })
            .collect();
        let fks = snapshot.foreign_key_count();
        Ok(vec![
            VerifyCheck::none_of(
                "indexes valid",
                &invalid,
                "no invalid index".into(),
                "invalid: ",
            ),
            VerifyCheck::none_of(
                "constraints validated (foreign keys hold for every row)",
                &unvalidated,
                format!("{fks} foreign keys, all validated"),
                "NOT VALID: ",
            ),
        ])
    }

    async fn server_facts(&self, tables: &[QualifiedName]) -> Result<ServerFacts> {
        facts::collect(&self.session, self.server_version().await?, tables).await
    }

    async fn table_sizes(&self) -> Result<Vec<TableSize>> {
        strata_sql::server::table_sizes(&self.session, TABLE_SIZES_SQL).await
    }

    async fn activity(&self) -> Result<Activity> {
        let waits = self.session.rows(LOCK_WAITS_SQL).await?;
        let min = LONG_RUNNING.as_secs_f64();
        strata_sql::server::activity(&self.session, LONG_RUNNING_SQL, min, waits).await
    }
}
