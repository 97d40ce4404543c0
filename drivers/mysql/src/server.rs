//! What MySQL and MariaDB report: `strata verify`'s check (every foreign key holds, counted
//! as the server does not re-check them), the facts the pre-migration checks read
//! ([`facts`]), and for `strata monitor` table sizes from the data dictionary, the process list for long-running statements and
//! transactions left open, InnoDB's lock waits (MariaDB's `INNODB_LOCK_WAITS`, MySQL 8's
//! `performance_schema.data_lock_waits`) for lock chains, and sessions waiting for a table's
//! metadata lock, whose holder is an open transaction.

use async_trait::async_trait;
use strata_core::checks::ServerFacts;
use strata_core::driver::{Inspect, ServerOps};
use strata_core::monitor::{Activity, TableSize, LONG_RUNNING};
use strata_core::{QualifiedName, Result, VerifyCheck};

use crate::{facts, MySqlDriver};

/// Sessions of this database (strata's own excluded) running a statement, or sleeping inside
/// an open transaction, for at least [`LONG_RUNNING`].
const LONG_RUNNING_SQL: &str = "
SELECT CAST(p.ID AS CHAR), CONCAT(p.COMMAND, IF(COALESCE(p.STATE, '') <> '', CONCAT(': ', p.STATE), '')),
       CAST(p.TIME AS CHAR), COALESCE(p.INFO, '')
FROM information_schema.PROCESSLIST p
WHERE p.ID <> CONNECTION_ID() AND p.DB = DATABASE() AND p.TIME >= {min}
  AND (p.COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump')
       OR EXISTS (SELECT 1 FROM information_schema.INNODB_TRX t
                  WHERE t.trx_mysql_thread_id = p.ID))
ORDER BY p.TIME DESC, p.ID";

/// Row-lock waits on MariaDB.
const MARIADB_LOCK_WAITS_SQL: &str = "
SELECT CAST(r.trx_mysql_thread_id AS CHAR), COALESCE(r.trx_query, ''),
       CAST(TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS CHAR),
       CAST(b.trx_mysql_thread_id AS CHAR), COALESCE(b.trx_query, ''),
       COALESCE(CONCAT(l.lock_type, ' ', l.lock_table, COALESCE(CONCAT(' ', l.lock_index), ''),
                       ' (', l.lock_mode, ')'), '')
FROM information_schema.INNODB_LOCK_WAITS w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id
ORDER BY 1, 4";

/// Row-lock waits on MySQL 8.
const MYSQL_LOCK_WAITS_SQL: &str = "
SELECT CAST(r.trx_mysql_thread_id AS CHAR), COALESCE(r.trx_query, ''),
       CAST(TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS CHAR),
       CAST(b.trx_mysql_thread_id AS CHAR), COALESCE(b.trx_query, ''),
       CONCAT(l.LOCK_TYPE, ' ', l.OBJECT_SCHEMA, '.', l.OBJECT_NAME,
              COALESCE(CONCAT(' ', l.INDEX_NAME), ''), ' (', l.LOCK_MODE, ')')
FROM performance_schema.data_lock_waits w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID
JOIN performance_schema.data_locks l ON l.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID
ORDER BY 1, 4";

/// Sessions waiting for a metadata lock (an `ALTER` behind an open transaction). Neither
/// server names the holder without an extra plugin or instrument, so every open transaction
/// of another session is listed as a possible holder, as a DBA would check by hand.
const METADATA_WAITS_SQL: &str = "
SELECT CAST(w.ID AS CHAR), COALESCE(w.INFO, ''), CAST(w.TIME AS CHAR),
       CAST(t.trx_mysql_thread_id AS CHAR), COALESCE(t.trx_query, ''),
       'table metadata lock (holder: an open transaction)'
FROM information_schema.PROCESSLIST w
JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id <> w.ID
WHERE w.STATE = 'Waiting for table metadata lock' AND w.DB = DATABASE()
ORDER BY 1, 4";

/// Table sizes from the data dictionary's statistics: no count, which would wait behind a
/// migration's metadata lock.
const TABLE_SIZES_SQL: &str = "
SELECT TABLE_NAME, CAST(COALESCE(TABLE_ROWS, 0) AS CHAR),
       CAST(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS CHAR)
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> '{history}'
ORDER BY TABLE_NAME";

#[async_trait]
impl ServerOps for MySqlDriver {
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        let snapshot = self.inspect().await?;
        let mut orphaned = Vec::new();
        for t in snapshot.tables.values() {
            for c in t.constraints.iter().filter(|c| c.references.is_some()) {
                let parent = snapshot
                    .tables
                    .get(&c.references.as_ref().expect("filtered").to_string());
                let Some(parent) = parent else { continue };
                let refs = crate::compile::referenced_columns(&c.definition);
                if refs.len() != c.columns.len() {
                    continue;
                }
                let n = self
                    .session
                    .count(&crate::compile::orphan_count_sql(
                        t, parent, &c.columns, &refs,
                    ))
                    .await?;
                if n > 0 {
                    orphaned.push(format!("{}.{} ({n} rows)", t.name, c.name));
                }
            }
        }
        let fks = snapshot.foreign_key_count();
        Ok(vec![VerifyCheck::none_of(
            "foreign keys hold for every row",
            &orphaned,
            format!("{fks} foreign keys checked"),
            "orphans: ",
        )])
    }

    async fn server_facts(&self, tables: &[QualifiedName]) -> Result<ServerFacts> {
        facts::collect(&self.session, tables).await
    }

    async fn table_sizes(&self) -> Result<Vec<TableSize>> {
        strata_sql::server::table_sizes(&self.session, TABLE_SIZES_SQL).await
    }

    async fn activity(&self) -> Result<Activity> {
        let session = &self.session;
        let mut waits = match session.rows(MARIADB_LOCK_WAITS_SQL).await {
            Ok(rows) => rows,
            Err(_) => session.rows(MYSQL_LOCK_WAITS_SQL).await?,
        };
        waits.extend(session.rows(METADATA_WAITS_SQL).await?);
        let min = LONG_RUNNING.as_secs();
        strata_sql::server::activity(session, LONG_RUNNING_SQL, min, waits).await
    }
}
