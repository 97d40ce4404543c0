//! # strata-mysql
//!
//! The MySQL 8 and MariaDB 10.6+ driver for strata. It registers itself as `mysql` (URL
//! schemes `mysql://` and `mariadb://`); link it with `use strata_mysql as _;`.
//!
//! MySQL commits implicitly on every DDL statement, so the PostgreSQL approach — one
//! transaction around the migration — is not available. Instead every action is journaled in
//! `strata_migrations` before and after it runs: each DDL action is one atomic statement with
//! a done probe on `information_schema`, and each DML action commits in one transaction with
//! its journal entry. After a crash at any point, `strata apply` resumes at the right action
//! and `strata rollback` undoes exactly what was done. See `docs/mysql.md`.
#![forbid(unsafe_code)]

pub mod compile;
mod connection;
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

pub use connection::Flavor;
use connection::Session;

/// The driver's registered name.
pub const NAME: &str = "mysql";

/// What MySQL and MariaDB can do.
pub const CAPABILITIES: Capabilities = Capabilities {
    transactional_ddl: false,
    transactional_dml: true,
    online_index: true,
    enforced_foreign_keys: true,
    advisory_lock: true,
    preserves_column_order: true,
    schemas: false,
    deferred_fk_validation: false,
    column_defaults: true,
};

strata_core::register_driver!(MySqlDriver, NAME, &["mysql", "mariadb"], CAPABILITIES);

/// The MySQL / MariaDB driver: one session to one database.
pub struct MySqlDriver {
    session: Session,
}

impl MySqlDriver {
    /// Connects to `url` (`mysql://user@host:port/database`).
    pub async fn connect(url: &str) -> Result<Self> {
        Ok(MySqlDriver {
            session: connection::connect(url).await?,
        })
    }

    /// MariaDB or MySQL.
    pub fn flavor(&self) -> Flavor {
        self.session.state.flavor
    }
}

#[async_trait]
impl Inspect for MySqlDriver {
    async fn inspect(&self) -> Result<Snapshot> {
        inspect::inspect(&self.session).await
    }
}

impl strata_sql::SqlDriver for MySqlDriver {
    type Dialect = dialect::My;

    fn session(&self) -> &connection::Session {
        &self.session
    }
}

strata_sql::sql_driver_traits!(MySqlDriver);
strata_sql::sql_engine!(MySqlDriver);
