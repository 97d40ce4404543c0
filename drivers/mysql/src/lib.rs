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
mod monitor;
mod rows;
mod simulate;
mod sql;
pub mod testing;
mod types;

use async_trait::async_trait;
use strata_core::driver::{Inspect, RowAccess, RunnerLock, ServerOps, StepCompiler};
use strata_core::registry::{CreateFuture, DriverRegistration};
use strata_core::schema::Snapshot;
use strata_core::{
    Action, Analysis, Capabilities, Driver, QualifiedName, Result, StepContext, VerifyCheck,
};

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

strata_core::inventory::submit! {
    DriverRegistration::new(NAME, &["mysql", "mariadb"], CAPABILITIES, connect)
}

fn connect(url: String) -> CreateFuture {
    Box::pin(async move { Ok(Box::new(MySqlDriver::connect(&url).await?) as Box<dyn Driver>) })
}

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

#[async_trait]
impl StepCompiler for MySqlDriver {
    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis> {
        compile::analyze_all(&self.session, &[ctx])
            .await
            .pop()
            .expect("one analysis per step")
    }

    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        compile::analyze_all(&self.session, steps).await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        compile::compile(ctx, self.session.state.flavor)
    }

    fn simulate(&self, step: &strata_core::steps::Step, before: &Snapshot, after: &mut Snapshot) {
        simulate::simulate(step, before, after)
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

#[async_trait]
impl RunnerLock for MySqlDriver {
    fn lock_name(&self) -> String {
        lock::name(&self.session)
    }

    async fn try_lock(&self) -> Result<bool> {
        lock::try_lock(&self.session).await
    }

    async fn unlock(&self) -> Result<()> {
        lock::unlock(&self.session).await
    }

    async fn lock_holder(&self) -> Result<Option<strata_core::lock::LockHolder>> {
        lock::holder(&self.session).await
    }
}

#[async_trait]
impl ServerOps for MySqlDriver {
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        let snapshot = self.inspect().await?;
        let mut orphaned = Vec::new();
        for t in snapshot.tables.values() {
            for c in t.constraints.iter().filter(|c| c.references.is_some()) {
                let parent = snapshot
                    .tables
                    .get(&c.references.as_ref().expect("filtered").to_string());
                let Some(parent) = parent else { continue };
                let refs = compile::referenced_columns(&c.definition);
                if refs.len() != c.columns.len() {
                    continue;
                }
                let n = self
                    .session
                    .count(&compile::orphan_count_sql(t, parent, &c.columns, &refs))
                    .await?;
                if n > 0 {
                    orphaned.push(format!("{}.{} ({n} rows)", t.name, c.name));
                }
            }
        }
        let fks = snapshot
            .tables
            .values()
            .flat_map(|t| &t.constraints)
            .filter(|c| c.references.is_some())
            .count();
        Ok(vec![VerifyCheck {
            check: "foreign keys hold for every row".into(),
            ok: orphaned.is_empty(),
            detail: if orphaned.is_empty() {
                format!("{fks} foreign keys checked")
            } else {
                format!("orphans: {}", orphaned.join(", "))
            },
        }])
    }

    async fn server_facts(
        &self,
        tables: &[QualifiedName],
    ) -> Result<strata_core::checks::ServerFacts> {
        facts::collect(&self.session, tables).await
    }

    async fn table_sizes(&self) -> Result<Vec<strata_core::monitor::TableSize>> {
        monitor::table_sizes(&self.session).await
    }

    async fn activity(&self) -> Result<strata_core::monitor::Activity> {
        monitor::activity(&self.session).await
    }
}

impl Driver for MySqlDriver {
    fn rows(&self) -> Option<&dyn RowAccess> {
        Some(self)
    }

    fn server(&self) -> Option<&dyn ServerOps> {
        Some(self)
    }
}
