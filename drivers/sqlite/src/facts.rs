//! The pre-migration checks' facts on SQLite.

use strata_core::checks::{version_at_least, Feature, ServerFacts};
use strata_core::Result;

use crate::connection::Session;

/// The oldest SQLite strata supports: `ALTER TABLE … DROP COLUMN` (3.35).
pub const MINIMUM_VERSION: &str = "3.35";

/// Collects the facts for SQLite `version`. SQLite is embedded: no other session's
/// transaction can be listed, whatever the tables.
pub async fn collect(session: &Session, version: String) -> Result<ServerFacts> {
    let first = |rows: Vec<Vec<Option<String>>>| {
        rows.into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_default()
    };
    let busy_timeout = first(session.rows("PRAGMA busy_timeout").await?);
    let json = session.rows("SELECT json_valid('{}')").await.is_ok();
    Ok(ServerFacts {
        supported: version_at_least(&version, MINIMUM_VERSION),
        version,
        minimum_version: MINIMUM_VERSION.into(),
        features: vec![Feature {
            name: "JSON functions".into(),
            present: json,
            required: false,
            detail: "`json_valid` checks values converted to json".into(),
        }],
        free_bytes: None,
        free_space_note: "SQLite does not report free disk space; the backups are tables in the same file, so check the file system it is on (`df -h`)".into(),
        open_transactions: Vec::new(),
        transactions_per_table: true,
        timeouts: vec![("busy_timeout".into(), format!("{busy_timeout} ms"))],
    })
}
