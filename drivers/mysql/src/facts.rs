//! The pre-migration checks' facts on MySQL and MariaDB.

use std::time::Duration;

use strata_core::checks::{version_at_least, Feature, OpenTransaction, ServerFacts};
use strata_core::{QualifiedName, Result};

use crate::connection::{Flavor, Session};

/// Transactions of other sessions open for a second or more. Neither server says which tables
/// a transaction holds (outside lock waits), so every one is listed.
const OPEN_TRANSACTIONS_SQL: &str = "
SELECT CAST(t.trx_mysql_thread_id AS CHAR),
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS CHAR),
       COALESCE(t.trx_query, p.INFO, '')
FROM information_schema.INNODB_TRX t
LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
WHERE t.trx_mysql_thread_id <> CONNECTION_ID()
  AND t.trx_started <= NOW() - INTERVAL 1 SECOND
ORDER BY t.trx_started";

/// Collects the facts; `tables` only matter to engines that can tell which tables a
/// transaction holds.
pub async fn collect(session: &Session, _tables: &[QualifiedName]) -> Result<ServerFacts> {
    let minimum = match session.state.flavor {
        Flavor::MariaDb => "10.6 (MariaDB)",
        Flavor::MySql => "8.0 (MySQL)",
    };
    let engine = session
        .texts("SELECT @@default_storage_engine")
        .await?
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default();
    let open_transactions = session
        .rows(OPEN_TRANSACTIONS_SQL)
        .await?
        .into_iter()
        .map(|r| OpenTransaction {
            session: r[0].clone().unwrap_or_default(),
            table: None,
            open_for: Duration::from_secs(
                r[1].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0),
            ),
            statement: r[2].clone().unwrap_or_default(),
        })
        .collect();
    let mut timeouts = Vec::new();
    for name in [
        "lock_wait_timeout",
        "innodb_lock_wait_timeout",
        "max_statement_time",
    ] {
        if let Ok(v) = session
            .texts(&format!("SELECT CAST(@@SESSION.{name} AS CHAR)"))
            .await
        {
            timeouts.push((
                name.to_owned(),
                v.into_iter().flatten().next().unwrap_or_default(),
            ));
        }
    }
    Ok(ServerFacts {
        supported: version_at_least(&session.state.version, minimum),
        version: session.state.version.clone(),
        minimum_version: minimum.into(),
        features: vec![Feature {
            name: "InnoDB as the default storage engine".into(),
            present: engine.eq_ignore_ascii_case("InnoDB"),
            required: true,
            detail: format!("default_storage_engine = {engine}: foreign keys, transactional DML and online DDL need InnoDB"),
        }],
        free_bytes: None,
        free_space_note: "the server does not report free disk space to a client; check the data directory's file system (`df -h /var/lib/mysql`)".into(),
        open_transactions,
        transactions_per_table: false,
        timeouts,
    })
}
