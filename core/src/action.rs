//! Actions: what a step compiles to, and what the runner executes, journals and undoes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One statement for the engine: SQL text, or a command document (MongoDB).
///
/// Dry runs and plans print statements as they will be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statement {
    /// SQL text; may hold several statements separated by `;`.
    Sql(String),
    /// A command document, as `db.runCommand` takes it.
    Command(serde_json::Value),
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Sql(s) => f.write_str(s),
            Statement::Command(c) => {
                f.write_str(&serde_json::to_string_pretty(c).map_err(|_| fmt::Error)?)
            }
        }
    }
}

/// What an action does, which decides how the runner treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A query returning one count that must equal [`Action::expect`]; changes nothing.
    Check,
    /// Copies data that a later action destroys into a backup object.
    Backup,
    /// Changes the schema.
    Ddl,
    /// Changes rows.
    Dml,
    /// Changes rows in batches: the runner repeats the statement until it affects no row, or,
    /// when the action has a [`Action::more`] query, until that query counts 0.
    Backfill,
    /// Like [`ActionKind::Check`], run to verify a backup or a result.
    Verify,
}

impl ActionKind {
    /// Whether the forward statement is a counting query.
    pub fn is_query(self) -> bool {
        matches!(self, ActionKind::Check | ActionKind::Verify)
    }
}

/// One unit of work compiled from a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The step (1-based) it belongs to.
    pub step: usize,
    /// What it does, for plans and journals.
    pub description: String,
    /// Its kind.
    pub kind: ActionKind,
    /// The statement that does it.
    pub forward: Statement,
    /// The statement that undoes it; `None` for queries, and for actions nothing undoes.
    pub inverse: Option<Statement>,
    /// A query returning a non-zero count when the action's effect is already in place, so an
    /// interrupted run can resume without doing it twice.
    pub done_probe: Option<Statement>,
    /// Run if `forward` fails, to remove a half-made object (an invalid index).
    pub cleanup: Option<Statement>,
    /// Whether it deletes or overwrites stored data.
    pub destroys_data: bool,
    /// Whether it may run inside a transaction: `false` for online index builds and, on engines
    /// whose DDL commits implicitly, for every DDL statement. On such engines a transactional
    /// action (DML) runs in one transaction with its journal entry.
    pub transactional: bool,
    /// For queries: the count the query must return.
    pub expect: i64,
    /// For queries: what a wrong count means, shown in the error.
    pub failure: Option<String>,
    /// For backups: the backup object it creates.
    pub backup_object: Option<String>,
    /// A query returning a non-zero count when the inverse's effect is already in place, so an
    /// interrupted rollback does not undo twice.
    #[serde(default)]
    pub undo_probe: Option<Statement>,
    /// A query that must return 0 before the inverse may run, and what a non-zero count means
    /// (rolling back a `create_table` whose table holds rows written since).
    #[serde(default)]
    pub undo_guard: Option<(Statement, String)>,
    /// Its effect is undone by the inverse of an earlier action (a fill undone by restoring
    /// the backup taken before it), so it needs no inverse of its own.
    #[serde(default)]
    pub restored_by_backup: bool,
    /// For batches that walk a key range (a batch that finds every row of its range done
    /// already affects none, yet later ranges remain): a query counting non-zero while
    /// batches remain, asked after each one instead of stopping at the first that changed
    /// nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<Statement>,
    /// For batches whose statement writes its size with [`crate::batches::rows`]: the time,
    /// in milliseconds, each batch should take; the runner resizes every batch after the
    /// first to take about that long. `None` (or 0): every batch as compiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_ms: Option<u32>,
}

impl Action {
    /// A transactional action of `kind` with no inverse.
    pub fn new(
        step: usize,
        kind: ActionKind,
        description: impl Into<String>,
        forward: Statement,
    ) -> Self {
        Action {
            step,
            description: description.into(),
            kind,
            forward,
            inverse: None,
            done_probe: None,
            cleanup: None,
            destroys_data: false,
            transactional: true,
            expect: 0,
            failure: None,
            backup_object: None,
            undo_probe: None,
            undo_guard: None,
            restored_by_backup: false,
            more: None,
            batch_ms: None,
        }
    }

    /// A query that must return `expect`; `failure` explains a mismatch.
    pub fn check(
        step: usize,
        kind: ActionKind,
        description: impl Into<String>,
        query: Statement,
        expect: i64,
        failure: impl Into<String>,
    ) -> Self {
        Action {
            expect,
            failure: Some(failure.into()),
            ..Action::new(step, kind, description, query)
        }
    }

    /// Sets the inverse statement.
    pub fn with_inverse(mut self, inverse: Statement) -> Self {
        self.inverse = Some(inverse);
        self
    }

    /// Sets the done probe.
    pub fn with_probe(mut self, probe: Statement) -> Self {
        self.done_probe = Some(probe);
        self
    }

    /// Sets the cleanup statement.
    pub fn with_cleanup(mut self, cleanup: Statement) -> Self {
        self.cleanup = Some(cleanup);
        self
    }

    /// Names the backup object the action creates.
    pub fn creates_backup(mut self, object: impl Into<String>) -> Self {
        self.backup_object = Some(object.into());
        self
    }

    /// Sets the undo probe.
    pub fn with_undo_probe(mut self, probe: Statement) -> Self {
        self.undo_probe = Some(probe);
        self
    }

    /// Sets the undo guard: `query` must count 0 before the inverse runs.
    pub fn with_undo_guard(mut self, query: Statement, failure: impl Into<String>) -> Self {
        self.undo_guard = Some((query, failure.into()));
        self
    }

    /// Marks the action as undone by an earlier action's inverse (restoring its backup).
    pub fn restored_by_backup(mut self) -> Self {
        self.restored_by_backup = true;
        self
    }

    /// Sets the query that says whether batches remain (see [`Action::more`]).
    pub fn with_more(mut self, query: Statement) -> Self {
        self.more = Some(query);
        self
    }

    /// Sizes each batch after the first to take about `ms` milliseconds (see
    /// [`crate::batches`]); 0 keeps every batch as compiled.
    pub fn sized_by_time(mut self, ms: u32) -> Self {
        self.batch_ms = (ms > 0).then_some(ms);
        self
    }

    /// Marks the action as destroying data.
    pub fn destructive(mut self) -> Self {
        self.destroys_data = true;
        self
    }

    /// Marks the action as unable to run inside a transaction.
    pub fn outside_transaction(mut self) -> Self {
        self.transactional = false;
        self
    }

    /// Whether rollback can undo it (queries need no undoing).
    pub fn reversible(&self) -> bool {
        self.kind.is_query() || self.inverse.is_some() || self.restored_by_backup
    }
}
