//! What a driver reports of its server for the pre-migration checks (`crate::checks`). A
//! leaf: the driver traits and the checks both read it.

use std::time::Duration;

/// A feature strata uses, and whether the server has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// What it is.
    pub name: String,
    /// Whether the server has it.
    pub present: bool,
    /// Whether strata needs it (missing: the check fails) or only uses it when present.
    pub required: bool,
    /// What strata does with it, or without it.
    pub detail: String,
}

/// A transaction of another session open on a table the migration touches.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenTransaction {
    /// The session.
    pub session: String,
    /// The table, when the engine says which.
    pub table: Option<String>,
    /// How long the transaction has been open.
    pub open_for: Duration,
    /// Its current or last statement.
    pub statement: String,
}

/// What a driver reports about its server for the pre-migration checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerFacts {
    /// The server's version.
    pub version: String,
    /// The oldest version the driver supports, as it would print it.
    pub minimum_version: String,
    /// Whether the version is supported.
    pub supported: bool,
    /// Features strata uses.
    pub features: Vec<Feature>,
    /// Free space where the backups go, when the engine can tell.
    pub free_bytes: Option<u64>,
    /// Where free space was measured, or why it cannot be.
    pub free_space_note: String,
    /// Transactions of other sessions open for a second or more on the tables to be touched.
    pub open_transactions: Vec<OpenTransaction>,
    /// Whether `open_transactions` names tables, or lists every open transaction because the
    /// engine cannot tell which tables they hold.
    pub transactions_per_table: bool,
    /// The timeouts strata's session uses: `(name, value)`.
    pub timeouts: Vec<(String, String)>,
}
