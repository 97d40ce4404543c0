//! The pre-migration checks' facts on MongoDB.

use std::time::Duration;

use mongodb::bson::doc;
use strata_core::checks::{version_at_least, Feature, OpenTransaction, ServerFacts};
use strata_core::{QualifiedName, Result};

use crate::connection::Session;
use crate::monitor;
use crate::statements::number;

/// The oldest MongoDB strata supports: pipeline updates with `$convert`, `$merge`.
pub const MINIMUM_VERSION: &str = "5.0";

/// Collects the facts for `tables` (collections).
pub async fn collect(session: &Session, tables: &[QualifiedName]) -> Result<ServerFacts> {
    let stats = session.command(doc! { "dbStats": 1 }).await?;
    let total = number(stats.get("fsTotalSize"));
    let used = number(stats.get("fsUsedSize"));
    let free_bytes = match (total, used) {
        (Some(t), Some(u)) if t > 0 => Some((t - u).max(0) as u64),
        _ => None,
    };
    let namespaces: Vec<String> = tables
        .iter()
        .map(|t| format!("{}.{}", session.database, t.name))
        .collect();
    // Operations and idle sessions holding a transaction on the collections to be touched.
    let open_transactions = if namespaces.is_empty() {
        Vec::new()
    } else {
        monitor::current_ops(
            session,
            doc! { "allUsers": true, "idleSessions": true },
            doc! { "ns": { "$in": &namespaces } },
        )
        .await?
        .iter()
        .filter(|op| monitor::running(op) >= Duration::from_secs(1))
        .map(|op| OpenTransaction {
            session: monitor::op_id(op),
            table: op.get_str("ns").ok().map(str::to_owned),
            open_for: monitor::running(op),
            statement: op.get_str("op").unwrap_or_default().to_owned(),
        })
        .collect()
    };
    Ok(ServerFacts {
        supported: version_at_least(&session.version, MINIMUM_VERSION),
        version: session.version.clone(),
        minimum_version: MINIMUM_VERSION.into(),
        features: vec![Feature {
            name: "multi-document transactions (replica set)".into(),
            present: session.replica_set,
            required: false,
            detail: if session.replica_set {
                "updates on collections of up to 100 000 documents commit with their journal entry"
                    .into()
            } else {
                "standalone server: every action is journaled and idempotent instead".into()
            },
        }],
        free_space_note: if free_bytes.is_some() {
            "dbStats fsTotalSize - fsUsedSize".into()
        } else {
            "the server's dbStats reports no file system size".into()
        },
        free_bytes,
        open_transactions,
        transactions_per_table: true,
        timeouts: vec![(
            "runner lease".into(),
            format!(
                "{} ms, renewed by a heartbeat",
                crate::lock::lease().as_millis()
            ),
        )],
    })
}
