//! # strata-sqlite
//!
//! The SQLite driver for strata, and the embedded default: with no URL configured, strata
//! migrates the file `strata.db`. Registered as `sqlite` (`sqlite://path?mode=rwc`,
//! `sqlite::memory:`); link it with `use strata_sqlite as _;`.
//!
//! SQLite runs DDL in transactions, so a migration and its history row commit together. What
//! `ALTER TABLE` cannot change (a column's type, nullability, default, a foreign key) goes
//! through SQLite's documented table-rebuild procedure, inside that transaction, followed by
//! `pragma_foreign_key_check`; the rebuild starts from the table's own `CREATE TABLE` text,
//! edited in place, so everything its author wrote survives (see `docs/sqlite.md`).
#![forbid(unsafe_code)]

pub mod compile;
mod connection;
mod ddl;
mod dialect;
mod facts;
mod inspect;
mod rebuild;
mod rows;
mod simulate;
mod sql;
pub mod testing;
mod types;

use async_trait::async_trait;
use strata_core::driver::{Engine, Inspect, RunnerLock, ServerOps};
use strata_core::schema::Snapshot;
use strata_core::{Capabilities, QualifiedName, Result, VerifyCheck};

use connection::Session;

/// The driver's registered name.
pub const NAME: &str = "sqlite";

/// What SQLite can do.
pub const CAPABILITIES: Capabilities = Capabilities {
    transactional_ddl: true,
    transactional_dml: true,
    online_index: false,
    enforced_foreign_keys: true,
    advisory_lock: true,
    preserves_column_order: true,
    schemas: false,
    deferred_fk_validation: false,
    column_defaults: true,
};

strata_core::register_driver!(SqliteDriver, NAME, &["sqlite"], CAPABILITIES);

/// The SQLite driver: one connection to one database file.
pub struct SqliteDriver {
    session: Session,
}

impl SqliteDriver {
    /// Opens `url`.
    pub async fn connect(url: &str) -> Result<Self> {
        Ok(SqliteDriver {
            session: connection::connect(url).await?,
        })
    }
}

#[async_trait]
impl Inspect for SqliteDriver {
    async fn inspect(&self) -> Result<Snapshot> {
        inspect::inspect(&self.session).await
    }
}

impl strata_sql::SqlDriver for SqliteDriver {
    type Dialect = dialect::Lite;

    fn session(&self) -> &connection::Session {
        &self.session
    }
}

strata_sql::sql_driver_traits!(SqliteDriver);
strata_sql::sql_engine!(SqliteDriver);

#[async_trait]
impl RunnerLock for SqliteDriver {
    fn lock_name(&self) -> String {
        self.session.state.lock_name()
    }

    async fn try_lock(&self) -> Result<bool> {
        self.session.state.try_lock().await
    }

    async fn unlock(&self) -> Result<()> {
        self.session.state.unlock().await
    }

    async fn lock_holder(&self) -> Result<Option<strata_core::lock::LockHolder>> {
        self.session.state.lock_holder().await
    }
}

#[async_trait]
impl ServerOps for SqliteDriver {
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        let broken = self
            .session
            .count("SELECT COUNT(*) FROM pragma_foreign_key_check")
            .await?;
        Ok(vec![VerifyCheck {
            check: "foreign keys hold for every row (pragma_foreign_key_check)".into(),
            ok: broken == 0,
            detail: if broken == 0 {
                "no violation".into()
            } else {
                format!("{broken} rows violate a foreign key")
            },
        }])
    }

    async fn server_facts(
        &self,
        _tables: &[QualifiedName],
    ) -> Result<strata_core::checks::ServerFacts> {
        facts::collect(&self.session, self.server_version().await?).await
    }

    async fn table_sizes(&self) -> Result<Vec<strata_core::monitor::TableSize>> {
        Ok(strata_core::activity::sizes_of(&self.inspect().await?))
    }

    async fn activity(&self) -> Result<strata_core::monitor::Activity> {
        Ok(strata_core::monitor::Activity {
            notes: vec![format!(
                "SQLite is embedded: no server keeps a list of statements or lock waits; a \
                 writer holding the database shows as `database is locked`, and a strata \
                 runner holds {}",
                self.session.state.lock_name()
            )],
            ..Default::default()
        })
    }
}
