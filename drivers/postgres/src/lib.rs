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
mod monitor;
mod rows;
mod simulate;
mod sql;
pub mod testing;
mod types;

use async_trait::async_trait;
use strata_core::driver::{Engine, Inspect, RowAccess, RunnerLock, ServerOps, StepCompiler};
use strata_core::registry::{CreateFuture, DriverRegistration};
use strata_core::schema::Snapshot;
use strata_core::{
    Action, Analysis, Capabilities, Driver, QualifiedName, Result, StepContext, VerifyCheck,
};

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

strata_core::inventory::submit! {
    DriverRegistration::new(NAME, &["postgres", "postgresql"], CAPABILITIES, connect)
}

fn connect(url: String) -> CreateFuture {
    Box::pin(async move { Ok(Box::new(PostgresDriver::connect(&url).await?) as Box<dyn Driver>) })
}

/// The PostgreSQL driver: one session to one database.
pub struct PostgresDriver {
    session: Session,
    /// The dependent objects each step's analysis found, for its compilation.
    found: compile::Found,
}

impl PostgresDriver {
    /// Connects to `url` (`postgres://user@host:port/database`).
    pub async fn connect(url: &str) -> Result<Self> {
        Ok(PostgresDriver {
            session: connection::connect(url).await?,
            found: compile::Found::default(),
        })
    }
}

#[async_trait]
impl Inspect for PostgresDriver {
    async fn inspect(&self) -> Result<Snapshot> {
        inspect::inspect(&self.session).await
    }
}

#[async_trait]
impl StepCompiler for PostgresDriver {
    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis> {
        compile::analyze_all(&self.session, &[ctx], &self.found)
            .await
            .pop()
            .expect("one analysis per step")
    }

    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        compile::analyze_all(&self.session, steps, &self.found).await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        compile::compile(ctx, &self.found)
    }

    fn simulate(&self, step: &strata_core::steps::Step, before: &Snapshot, after: &mut Snapshot) {
        simulate::simulate(step, before, after)
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

#[async_trait]
impl RunnerLock for PostgresDriver {
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
impl ServerOps for PostgresDriver {
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        let snapshot = self.inspect().await?;
        let invalid: Vec<String> = snapshot
            .tables
            .values()
            .flat_map(|t| {
                t.indexes
                    .iter()
                    .filter(|i| !i.valid)
                    .map(move |i| format!("{}.{}", t.name, i.name))
            })
            .collect();
        let unvalidated: Vec<String> = snapshot
            .tables
            .values()
            .flat_map(|t| {
                t.constraints
                    .iter()
                    .filter(|c| !c.validated)
                    .map(move |c| format!("{}.{}", t.name, c.name))
            })
            .collect();
        let fks = snapshot
            .tables
            .values()
            .flat_map(|t| &t.constraints)
            .filter(|c| c.references.is_some())
            .count();
        Ok(vec![
            VerifyCheck {
                check: "indexes valid".into(),
                ok: invalid.is_empty(),
                detail: if invalid.is_empty() {
                    "no invalid index".into()
                } else {
                    format!("invalid: {}", invalid.join(", "))
                },
            },
            VerifyCheck {
                check: "constraints validated (foreign keys hold for every row)".into(),
                ok: unvalidated.is_empty(),
                detail: if unvalidated.is_empty() {
                    format!("{fks} foreign keys, all validated")
                } else {
                    format!("NOT VALID: {}", unvalidated.join(", "))
                },
            },
        ])
    }

    async fn server_facts(
        &self,
        tables: &[QualifiedName],
    ) -> Result<strata_core::checks::ServerFacts> {
        facts::collect(&self.session, self.server_version().await?, tables).await
    }

    async fn table_sizes(&self) -> Result<Vec<strata_core::monitor::TableSize>> {
        monitor::table_sizes(&self.session).await
    }

    async fn activity(&self) -> Result<strata_core::monitor::Activity> {
        monitor::activity(&self.session).await
    }
}

impl Driver for PostgresDriver {
    fn rows(&self) -> Option<&dyn RowAccess> {
        Some(self)
    }

    fn server(&self) -> Option<&dyn ServerOps> {
        Some(self)
    }
}
