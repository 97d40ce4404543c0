//! What an engine can do: the flags the runner, the planner and the conformance suite read.

use serde::Serialize;

/// What an engine can do. The runner and the conformance suite read these; a difference
/// between engines is a declared capability, never a silent divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// DDL runs inside transactions: a migration's actions and its history row commit together.
    pub transactional_ddl: bool,
    /// DML runs inside transactions: where DDL does not, each DML action commits together with
    /// its journal entry, so it is done exactly once even if the runner dies.
    pub transactional_dml: bool,
    /// Indexes can be built without blocking writes.
    pub online_index: bool,
    /// The server enforces foreign keys on every write.
    pub enforced_foreign_keys: bool,
    /// The runner lock is a server-side lock that dies with the session.
    pub advisory_lock: bool,
    /// Rollback puts a dropped column back at its original position.
    pub preserves_column_order: bool,
    /// Table names may be schema-qualified.
    pub schemas: bool,
    /// Foreign keys can be added without checking existing rows, then validated.
    pub deferred_fk_validation: bool,
    /// The server fills a column's default into rows inserted without it.
    pub column_defaults: bool,
}

impl Capabilities {
    /// Nothing supported; drivers switch on what they have.
    pub const NONE: Capabilities = Capabilities {
        transactional_ddl: false,
        transactional_dml: false,
        online_index: false,
        enforced_foreign_keys: false,
        advisory_lock: false,
        preserves_column_order: false,
        schemas: false,
        deferred_fk_validation: false,
        column_defaults: false,
    };

    /// `(name, value)` pairs, for listings.
    pub fn entries(&self) -> [(&'static str, bool); 9] {
        [
            ("transactional_ddl", self.transactional_ddl),
            ("transactional_dml", self.transactional_dml),
            ("online_index", self.online_index),
            ("enforced_foreign_keys", self.enforced_foreign_keys),
            ("advisory_lock", self.advisory_lock),
            ("preserves_column_order", self.preserves_column_order),
            ("schemas", self.schemas),
            ("deferred_fk_validation", self.deferred_fk_validation),
            ("column_defaults", self.column_defaults),
        ]
    }
}
