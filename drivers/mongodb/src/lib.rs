//! # strata-mongodb
//!
//! The MongoDB driver for strata (server 5.0 and later), registered as `mongodb`
//! (`mongodb://host:27017/database`); link it with `use strata_mongodb as _;`.
//!
//! The portable vocabulary on documents: a table is a collection, a column a field, NOT NULL
//! `required` plus a `bsonType` without null in a `$jsonSchema` validator strata owns and
//! merges with the user's; a type change a pipeline update with `$convert`, counted first; a
//! foreign key a relation strata records and checks with `$lookup` (the server does not
//! enforce it: capability `enforced_foreign_keys = false`); an index `createIndexes`.
//! Backups are server-side `$out` copies, verified document by document with `$lookup`;
//! restores are `$merge`s. Every command strata sends is idempotent, so a run that died
//! anywhere is completed by repeating the journaled action it was in.
#![forbid(unsafe_code)]

mod bsonx;
pub mod compile;
mod connection;
mod facts;
mod history;
mod inspect;
mod lock;
mod meta;
mod monitor;
mod relations;
mod rows;
mod statements;
pub mod testing;
mod views;

use async_trait::async_trait;
use strata_core::driver::{
    Engine, EngineExt, HistoryStore, Inspect, RowAccess, RunnerLock, ServerOps, StepCompiler,
    TypeMapper,
};
use strata_core::history::HistoryRecord;
use strata_core::schema::Snapshot;
use strata_core::{
    Action, Analysis, Capabilities, Driver, Error, PortableType, QualifiedName, Result, Row,
    Statement, StepContext, VerifyCheck,
};

use connection::Session;

/// The driver's registered name.
pub const NAME: &str = "mongodb";

/// What MongoDB can do, as strata uses it (on a replica set; on a standalone server, which
/// has no multi-document transactions, the driver's `capabilities()` says so).
pub const CAPABILITIES: Capabilities = Capabilities {
    transactional_ddl: false,
    transactional_dml: true,
    online_index: true,
    enforced_foreign_keys: false,
    advisory_lock: false,
    preserves_column_order: true,
    schemas: false,
    deferred_fk_validation: false,
    column_defaults: false,
};

strata_core::register_driver!(MongoDriver, NAME, &["mongodb", "mongodb+srv"], CAPABILITIES);

/// The MongoDB driver: one client, one database.
pub struct MongoDriver {
    session: Session,
    lease: lock::Lease,
}

impl MongoDriver {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Result<Self> {
        Ok(MongoDriver {
            session: Session::connect(url).await?,
            lease: lock::Lease::new(),
        })
    }

    fn command<'a>(&self, statement: &'a Statement) -> Result<&'a serde_json::Value> {
        match statement {
            Statement::Command(c) => Ok(c),
            Statement::Sql(_) => Err(self.not_supported("SQL statements")),
        }
    }

    async fn table(&self, name: &QualifiedName) -> Result<strata_core::schema::Table> {
        self.inspect()
            .await?
            .tables
            .remove(&name.to_string())
            .map(std::sync::Arc::unwrap_or_clone)
            .ok_or_else(|| {
                Error::refused(strata_core::Refusal::missing(
                    name,
                    format!("collection \"{name}\" does not exist"),
                ))
            })
    }
}

impl TypeMapper for MongoDriver {
    fn native_type(&self, ty: PortableType) -> String {
        meta::bson_type(ty).unwrap_or("any").to_owned()
    }
}

#[async_trait]
impl Engine for MongoDriver {
    fn name(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        // Multi-document transactions need a replica set (or a sharded cluster).
        Capabilities {
            transactional_dml: self.session.replica_set,
            ..CAPABILITIES
        }
    }

    async fn server_version(&self) -> Result<String> {
        Ok(self.session.version.clone())
    }

    async fn execute(&self, statement: &Statement) -> Result<u64> {
        self.session.execute(self.command(statement)?).await
    }

    async fn query_count(&self, statement: &Statement) -> Result<i64> {
        self.session.count(self.command(statement)?).await
    }

    async fn begin(&self) -> Result<()> {
        if !self.session.replica_set {
            return Err(self.not_supported("multi-document transactions on a standalone server"));
        }
        self.session.begin().await
    }

    async fn commit(&self) -> Result<()> {
        self.session.commit().await
    }

    async fn rollback_transaction(&self) -> Result<()> {
        self.session.abort().await
    }
}

#[async_trait]
impl Inspect for MongoDriver {
    async fn inspect(&self) -> Result<Snapshot> {
        inspect::inspect(&self.session).await
    }
}

#[async_trait]
impl StepCompiler for MongoDriver {
    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis> {
        compile::analyze(&self.session, ctx).await
    }

    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        strata_core::driver::analyze_each(self, steps).await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        compile::compile(ctx)
    }

    fn simulate(&self, step: &strata_core::steps::Step, _before: &Snapshot, after: &mut Snapshot) {
        compile::simulate(step, after)
    }
}

#[async_trait]
impl HistoryStore for MongoDriver {
    async fn ensure_history(&self) -> Result<()> {
        history::ensure(&self.session).await
    }

    async fn history(&self) -> Result<Vec<HistoryRecord>> {
        history::read(&self.session).await
    }

    async fn record(&self, record: &HistoryRecord) -> Result<()> {
        history::write(&self.session, record).await
    }
}

#[async_trait]
impl RunnerLock for MongoDriver {
    fn lock_name(&self) -> String {
        self.lease.name(&self.session)
    }

    async fn try_lock(&self) -> Result<bool> {
        self.lease.try_lock(&self.session).await
    }

    async fn unlock(&self) -> Result<()> {
        self.lease.unlock(&self.session).await
    }

    async fn lock_holder(&self) -> Result<Option<strata_core::lock::LockHolder>> {
        self.lease.holder(&self.session).await
    }
}

#[async_trait]
impl RowAccess for MongoDriver {
    async fn read_rows(&self, table: &QualifiedName) -> Result<Vec<Row>> {
        rows::read(&self.session, &self.table(table).await?).await
    }

    async fn write_rows(&self, table: &QualifiedName, rows: &[Row]) -> Result<u64> {
        rows::write(&self.session, &self.table(table).await?, rows).await
    }

    async fn count_rows(&self, table: &QualifiedName) -> Result<u64> {
        let n = self
            .session
            .count(&serde_json::json!({ "count": table.name, "query": {} }))
            .await?;
        Ok(n.max(0) as u64)
    }

    async fn count_nulls(&self, table: &QualifiedName, column: &str) -> Result<u64> {
        // `{field: null}` matches documents where the field is null or missing.
        let n = self
            .session
            .count(&serde_json::json!({ "count": table.name, "query": { column: null } }))
            .await?;
        Ok(n.max(0) as u64)
    }
}

#[async_trait]
impl ServerOps for MongoDriver {
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        relations::verify_relations(&self.session, &self.inspect().await?).await
    }

    async fn server_facts(
        &self,
        tables: &[QualifiedName],
    ) -> Result<strata_core::checks::ServerFacts> {
        facts::collect(&self.session, tables).await
    }

    async fn table_sizes(&self) -> Result<Vec<strata_core::monitor::TableSize>> {
        Ok(strata_core::activity::sizes_of(&self.inspect().await?))
    }

    async fn activity(&self) -> Result<strata_core::monitor::Activity> {
        monitor::activity(&self.session).await
    }
}

impl Driver for MongoDriver {
    fn rows(&self) -> Option<&dyn RowAccess> {
        Some(self)
    }

    fn server(&self) -> Option<&dyn ServerOps> {
        Some(self)
    }
}
