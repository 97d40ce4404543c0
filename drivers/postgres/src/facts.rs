//! The pre-migration checks' facts on PostgreSQL.

use std::time::Duration;

use strata_core::checks::{version_at_least, Feature, OpenTransaction, ServerFacts};
use strata_core::{QualifiedName, Result};

use crate::connection::Session;
use crate::sql::{string, table};

/// The oldest PostgreSQL strata supports (`CREATE INDEX CONCURRENTLY` cleanup,
/// `ALTER … VALIDATE CONSTRAINT`, `pg_blocking_pids`, `to_regclass` are all older).
pub const MINIMUM_VERSION: &str = "12";

/// Collects the facts for `tables`, on a server of `version`.
pub async fn collect(
    session: &Session,
    version: String,
    tables: &[QualifiedName],
) -> Result<ServerFacts> {
    let open_transactions = if tables.is_empty() {
        Vec::new()
    } else {
        let regclasses: Vec<String> = tables
            .iter()
            .map(|t| format!("to_regclass({})", string(&table(t))))
            .collect();
        let sql = format!(
            "SELECT DISTINCT a.pid::text, l.relation::regclass::text,
                    floor(extract(epoch FROM now() - a.xact_start))::bigint::text, coalesce(a.query, '')
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.relation IN ({}) AND a.pid <> pg_backend_pid()
               AND a.xact_start <= now() - interval '1 second'
             ORDER BY 1, 2",
            regclasses.join(", ")
        );
        session
            .rows(&sql)
            .await?
            .into_iter()
            .map(|r| OpenTransaction {
                session: r[0].clone().unwrap_or_default(),
                table: r[1].clone(),
                open_for: Duration::from_secs(
                    r[2].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0),
                ),
                statement: r[3].clone().unwrap_or_default(),
            })
            .collect()
    };
    let names = ["lock_timeout", "statement_timeout"];
    let values = session
        .rows("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let timeouts = names
        .iter()
        .zip(values)
        .map(|(n, v)| ((*n).to_owned(), v.unwrap_or_default()))
        .collect();
    Ok(ServerFacts {
        supported: version_at_least(&version, MINIMUM_VERSION),
        version,
        minimum_version: MINIMUM_VERSION.into(),
        features: vec![Feature {
            name: "transactional DDL".into(),
            present: true,
            required: false,
            detail: "the migration and its history row commit together; online index builds run after the commit, journaled".into(),
        }],
        free_bytes: None,
        free_space_note: "PostgreSQL does not report free disk space to a client; check the data directory's file system (`df -h $PGDATA`)".into(),
        open_transactions,
        transactions_per_table: true,
        timeouts,
    })
}
