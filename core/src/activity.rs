//! What a server reports of itself for `strata monitor`: running statements, lock waits,
//! table sizes. A leaf: the driver traits and the monitor both read it.

use std::time::Duration;

use serde::Serialize;

use crate::schema::Snapshot;

/// A statement running on the server (strata's own monitoring session excluded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunningStatement {
    /// The engine's session or operation id.
    pub session: String,
    /// What the session is doing (`active`, `idle in transaction`, a MySQL state, …).
    pub state: String,
    /// How long the statement (or the transaction, when idle in one) has been running
    /// (`running_secs` in JSON).
    #[serde(rename = "running_secs", serialize_with = "seconds")]
    pub running_for: Duration,
    /// Its text, as the engine reports it.
    pub statement: String,
}

/// One link of a lock chain: a session waiting for a lock another session holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockWait {
    /// The waiting session.
    pub blocked_session: String,
    /// What it is trying to run.
    pub blocked_statement: String,
    /// How long it has been waiting (`waiting_secs` in JSON).
    #[serde(rename = "waiting_secs", serialize_with = "seconds")]
    pub waiting_for: Duration,
    /// The session holding the lock.
    pub blocking_session: String,
    /// The statement the holder runs or ran last (empty when it is idle and the engine does
    /// not keep it).
    pub blocking_statement: String,
    /// The lock, as the engine names it (`relation users`, `RECORD test.users PRIMARY`).
    pub lock: String,
}

/// A text cell: empty when NULL or missing.
fn cell(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// A cell holding seconds (`12`, `3.25`).
fn seconds_cell(row: &[Option<String>], i: usize) -> Duration {
    Duration::from_secs_f64(cell(row, i).parse::<f64>().unwrap_or(0.0).max(0.0))
}

impl RunningStatement {
    /// From a row of text columns: session, state, seconds running, statement — the shape
    /// the SQL drivers' monitoring queries return.
    pub fn from_text_row(row: &[Option<String>]) -> Self {
        RunningStatement {
            session: cell(row, 0),
            state: cell(row, 1),
            running_for: seconds_cell(row, 2),
            statement: cell(row, 3),
        }
    }
}

impl TableSize {
    /// From a row of text columns: table, rows, bytes.
    pub fn from_text_row(row: &[Option<String>]) -> Self {
        TableSize {
            table: cell(row, 0),
            rows: cell(row, 1).parse().unwrap_or(0),
            bytes: cell(row, 2).parse().unwrap_or(0),
        }
    }
}

impl LockWait {
    /// From a row of text columns: blocked session, its statement, seconds waiting, blocking
    /// session, its statement, the lock.
    pub fn from_text_row(row: &[Option<String>]) -> Self {
        LockWait {
            blocked_session: cell(row, 0),
            blocked_statement: cell(row, 1),
            waiting_for: seconds_cell(row, 2),
            blocking_session: cell(row, 3),
            blocking_statement: cell(row, 4),
            lock: cell(row, 5),
        }
    }
}

/// What a driver reports of the server's activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Activity {
    /// Statements running longer than [`LONG_RUNNING`], or idle in an open transaction.
    pub long_running: Vec<RunningStatement>,
    /// Sessions waiting for a lock, each with the session that holds it.
    pub lock_waits: Vec<LockWait>,
    /// What the engine cannot report, said plainly.
    pub notes: Vec<String>,
}

impl Activity {
    /// From rows of text columns: the long-running statements (as
    /// [`RunningStatement::from_text_row`] reads them) and the lock waits (as
    /// [`LockWait::from_text_row`] does).
    pub fn from_text_rows<'a>(
        long_running: &[Vec<Option<String>>],
        lock_waits: impl IntoIterator<Item = &'a Vec<Option<String>>>,
    ) -> Self {
        Activity {
            long_running: long_running
                .iter()
                .map(|r| RunningStatement::from_text_row(r))
                .collect(),
            lock_waits: lock_waits
                .into_iter()
                .map(|r| LockWait::from_text_row(r))
                .collect(),
            notes: Vec::new(),
        }
    }
}

/// The size of one table or collection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSize {
    /// Its name.
    pub table: String,
    /// Rows (an estimate on engines that keep one).
    pub rows: u64,
    /// Bytes on disk, data and indexes.
    pub bytes: u64,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// Statements running at least this long count as long-running.
pub const LONG_RUNNING: Duration = Duration::from_secs(1);

/// Every table's rows and bytes as an inspection reports them, for an engine whose
/// inspection waits on no lock a migration holds.
pub fn sizes_of(snapshot: &Snapshot) -> Vec<TableSize> {
    snapshot
        .tables
        .values()
        .map(|t| TableSize {
            table: t.name.to_string(),
            rows: t.rows,
            bytes: t.size_bytes,
        })
        .collect()
}
