//! # strata-postgres
//!
//! The PostgreSQL driver for strata. It registers itself as `postgres` (URL schemes
//! `postgres://` and `postgresql://`); link it with `use strata_postgres as _;`.
//!
//! How it does each step the way a careful DBA does by hand — count first, back up in the
//! database (`CREATE TABLE … AS`), verify the backup's row count and content hash, change,
//! verify — is documented on each module of [`compile`]. DDL is transactional on PostgreSQL:
//! a migration's actions and its history row commit together, except online index builds
//! (`CREATE INDEX CONCURRENTLY`), which run after the commit, journaled.
#![forbid(unsafe_code)]

pub mod compile;
mod connection;
mod dependents;
mod dialect;
mod facts;
mod inspect;
mod lock;
mod lock_wait;
mod rows;
mod server;
mod simulate;
mod sql;
pub mod testing;
mod types;

use async_trait::async_trait;
use strata_core::driver::Inspect;
use strata_core::schema::Snapshot;
use strata_core::{Capabilities, Result};

use connection::Session;

/// The driver's registered name.
pub const NAME: &str = "postgres";

/// What PostgreSQL can do.
pub const CAPABILITIES: Capabilities = Capabilities {
    transactional_ddl: true,
    transactional_dml: true,
    online_index: true,
    enforced_foreign_keys: true,
    advisory_lock: true,
    preserves_column_order: false,
    schemas: true,
    deferred_fk_validation: true,
    column_defaults: true,
};

strata_core::register_driver!(
    PostgresDriver,
    NAME,
    &["postgres", "postgresql"],
    CAPABILITIES
);

/// The PostgreSQL driver: one session to one database.
pub struct PostgresDriver {
    session: Session,
    /// The dependent objects each step's analysis found, for its compilation.
    found: compile::Found,
    /// The server's conversions (by its version).
    casts: compile::convertible::Casts,
}

impl PostgresDriver {
    /// Connects to `url` (`postgres://user@host:port/database`).
    pub async fn connect(url: &str) -> Result<Self> {
        let session = connection::connect(url).await?;
        let version_num = session
            .texts("SHOW server_version_num")
            .await?
            .into_iter()
            .flatten()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(PostgresDriver {
            session,
            found: compile::Found::default(),
            casts: compile::convertible::Casts { version_num },
        })
    }
}

#[async_trait]
impl Inspect for PostgresDriver {
    async fn inspect(&self) -> Result<Snapshot> {
        inspect::inspect(&self.session).await
    }
}

impl strata_sql::SqlDriver for PostgresDriver {
    type Dialect = dialect::Pg;

    fn session(&self) -> &connection::Session {
        &self.session
    }
}

strata_sql::sql_driver_traits!(PostgresDriver);
strata_sql::sql_engine!(PostgresDriver);
