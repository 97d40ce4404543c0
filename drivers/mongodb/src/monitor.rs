//! `strata monitor` on MongoDB: `$currentOp` for long-running operations and operations
//! waiting for a lock. The server does not say which operation holds a lock; waiting
//! operations are listed with the operations running on the same namespace as the possible
//! holders.

use std::time::Duration;

use mongodb::bson::{doc, Document};
use strata_core::monitor::{Activity, LockWait, RunningStatement, LONG_RUNNING};
use strata_core::{Error, Result};

use crate::bsonx;
use crate::connection::Session;
use crate::statements::number;
use crate::NAME;

fn op_text(op: &Document) -> String {
    op.get_document("command")
        .map(|c| {
            let mut c = c.clone();
            c.remove("lsid");
            c.remove("$clusterTime");
            c.remove("$db");
            bsonx::json(c).to_string()
        })
        .unwrap_or_default()
}

/// The operation's id, as `killOp` takes it.
pub fn op_id(op: &Document) -> String {
    op.get("opid").map(|v| v.to_string()).unwrap_or_default()
}

/// How long the operation has been running.
pub fn running(op: &Document) -> Duration {
    Duration::from_micros(number(op.get("microsecs_running")).unwrap_or(0).max(0) as u64)
}

/// The operations `$currentOp` (run on `admin`, as it must be) lists with `options`, those
/// matching `filter`.
pub async fn current_ops(
    session: &Session,
    options: Document,
    filter: Document,
) -> Result<Vec<Document>> {
    use futures_util::TryStreamExt;
    let mut cursor = session
        .client
        .database("admin")
        .aggregate(vec![
            doc! { "$currentOp": options },
            doc! { "$match": filter },
        ])
        .await
        .map_err(|e| Error::database(NAME, "listing operations ($currentOp)", e))?;
    let mut out = Vec::new();
    while let Some(d) = cursor
        .try_next()
        .await
        .map_err(|e| Error::database(NAME, "reading $currentOp", e))?
    {
        out.push(d);
    }
    Ok(out)
}

/// The server's activity on the migrated database.
pub async fn activity(session: &Session) -> Result<Activity> {
    let ns_prefix = format!("{}.", session.database);
    let ops = current_ops(
        session,
        doc! { "allUsers": true, "idleConnections": false },
        doc! { "ns": { "$regex": format!("^{}", regex_escape(&ns_prefix)) } },
    )
    .await?;
    let long_running = ops
        .iter()
        .filter(|op| running(op) >= LONG_RUNNING)
        .map(|op| RunningStatement {
            session: op_id(op),
            state: op.get_str("op").unwrap_or_default().to_owned(),
            running_for: running(op),
            statement: op_text(op),
        })
        .collect();
    let mut lock_waits = Vec::new();
    for waiting in ops
        .iter()
        .filter(|op| op.get_bool("waitingForLock").unwrap_or(false))
    {
        let ns = waiting.get_str("ns").unwrap_or_default();
        for holder in ops.iter().filter(|op| {
            op.get_str("ns").unwrap_or_default() == ns
                && !op.get_bool("waitingForLock").unwrap_or(false)
        }) {
            lock_waits.push(LockWait {
                blocked_session: op_id(waiting),
                blocked_statement: op_text(waiting),
                waiting_for: running(waiting),
                blocking_session: op_id(holder),
                blocking_statement: op_text(holder),
                lock: format!("{ns} (holder: an operation on the same collection)"),
            });
        }
    }
    Ok(Activity {
        long_running,
        lock_waits,
        notes: Vec::new(),
    })
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\^$.|?*+()[]{}".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}
