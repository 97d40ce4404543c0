//! What strata asks of the server beyond migrating: `verify`, the pre-migration checks'
//! facts, and `monitor`'s sizes and activity.

use async_trait::async_trait;
use serde::Serialize;

use crate::activity::{Activity, TableSize};
use crate::error::Result;
use crate::server_facts::ServerFacts;
use crate::QualifiedName;

/// Server operations.
#[async_trait]
pub trait ServerOps: Send + Sync {
    /// Engine-level health checks for `strata verify` (invalid indexes, unvalidated
    /// constraints, …).
    async fn verify(&self) -> Result<Vec<VerifyCheck>>;

    /// What the pre-migration checks need to know of the server; `tables` are those the
    /// pending migrations touch.
    async fn server_facts(&self, tables: &[QualifiedName]) -> Result<ServerFacts>;

    /// Every table's rows and bytes, for `strata monitor`. Runs while a migration may hold
    /// locks, so an engine whose counts or size functions would wait on them answers from
    /// statistics; one without such waits may answer from its inspection
    /// ([`crate::activity::sizes_of`]).
    async fn table_sizes(&self) -> Result<Vec<TableSize>>;

    /// Long-running statements and lock waits on the server, for `strata monitor`.
    async fn activity(&self) -> Result<Activity>;
}

/// One row of `strata verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyCheck {
    /// What was checked.
    pub check: String,
    /// Whether it passed.
    pub ok: bool,
    /// Details (counts, names).
    pub detail: String,
}

impl VerifyCheck {
    /// The check `check` that passes when nothing `found` is wrong: `ok_detail` then, else
    /// `label: ` and what was found.
    pub fn none_of(check: &str, found: &[String], ok_detail: String, label: &str) -> Self {
        VerifyCheck {
            check: check.to_owned(),
            ok: found.is_empty(),
            detail: if found.is_empty() {
                ok_detail
            } else {
                format!("{label}{}", found.join(", "))
            },
        }
    }
}
