//! An apply interrupted at every boundary in turn — before and after each statement, history
//! write and commit — then completed by `apply` or undone by `rollback`.
//!
//! The interruption is a process death seen from the database: [`Interrupted`] wraps a real,
//! separate connection of the driver under test; after its budget of calls it answers nothing
//! more (not even a ROLLBACK or an unlock), and it is then dropped, which closes the session.

use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::ensure;
use async_trait::async_trait;
use strata_core::driver::{
    DriverExt, Engine, HistoryStore, Inspect, RowAccess, RunnerLock, ServerOps, StepCompiler,
    TypeMapper,
};
use strata_core::history::{HistoryRecord, RecordStatus};
use strata_core::schema::Snapshot;
use strata_core::{
    Action, Analysis, Capabilities, Driver, Error, PortableType, QualifiedName, Result, Row,
    Statement, StepContext,
};

use super::fixture::{setup, ACCEPTANCE};
use crate::context::TestContext;

/// A real driver connection that dies after `budget` state-changing calls.
struct Interrupted {
    inner: Box<dyn Driver>,
    budget: AtomicI64,
}

impl Interrupted {
    fn spend(&self) -> Result<()> {
        if self.budget.fetch_sub(1, Ordering::SeqCst) <= 0 {
            return Err(Error::database(
                self.inner.name(),
                "simulated crash",
                std::io::Error::other("the runner process died"),
            ));
        }
        Ok(())
    }

    fn died(&self) -> bool {
        self.budget.load(Ordering::SeqCst) < 0
    }

    fn rows_of_inner(&self) -> Result<&dyn RowAccess> {
        self.inner.rows_for("reading rows")
    }

    fn alive(&self) -> Result<()> {
        if self.died() {
            return Err(Error::database(
                self.inner.name(),
                "simulated crash",
                std::io::Error::other("the runner process is dead"),
            ));
        }
        Ok(())
    }
}

impl TypeMapper for Interrupted {
    fn native_type(&self, ty: PortableType) -> String {
        self.inner.native_type(ty)
    }
}

#[async_trait]
impl Engine for Interrupted {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn server_version(&self) -> Result<String> {
        self.inner.server_version().await
    }

    async fn execute(&self, statement: &Statement) -> Result<u64> {
        self.spend()?;
        self.inner.execute(statement).await
    }

    async fn query_count(&self, statement: &Statement) -> Result<i64> {
        self.spend()?;
        self.inner.query_count(statement).await
    }

    async fn begin(&self) -> Result<()> {
        self.alive()?;
        self.inner.begin().await
    }

    async fn commit(&self) -> Result<()> {
        self.spend()?;
        self.inner.commit().await
    }

    async fn rollback_transaction(&self) -> Result<()> {
        self.alive()?;
        self.inner.rollback_transaction().await
    }
}

#[async_trait]
impl Inspect for Interrupted {
    async fn inspect(&self) -> Result<Snapshot> {
        self.alive()?;
        self.inner.inspect().await
    }
}

#[async_trait]
impl StepCompiler for Interrupted {
    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis> {
        self.alive()?;
        self.inner.analyze(ctx).await
    }

    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        strata_core::driver::analyze_each(self, steps).await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        self.inner.compile(ctx)
    }

    fn compile_run(&self, run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
        self.inner.compile_run(run)
    }

    fn simulate(&self, step: &strata_core::steps::Step, before: &Snapshot, after: &mut Snapshot) {
        self.inner.simulate(step, before, after)
    }
}

#[async_trait]
impl HistoryStore for Interrupted {
    async fn ensure_history(&self) -> Result<()> {
        self.alive()?;
        self.inner.ensure_history().await
    }

    async fn history(&self) -> Result<Vec<HistoryRecord>> {
        self.alive()?;
        self.inner.history().await
    }

    async fn record(&self, record: &HistoryRecord) -> Result<()> {
        self.spend()?;
        self.inner.record(record).await
    }
}

#[async_trait]
impl RunnerLock for Interrupted {
    fn lock_name(&self) -> String {
        self.inner.lock_name()
    }

    async fn try_lock(&self) -> Result<bool> {
        self.alive()?;
        self.inner.try_lock().await
    }

    async fn unlock(&self) -> Result<()> {
        self.alive()?;
        self.inner.unlock().await
    }

    async fn lock_holder(&self) -> Result<Option<strata_core::lock::LockHolder>> {
        self.alive()?;
        self.inner.lock_holder().await
    }
}

#[async_trait]
impl RowAccess for Interrupted {
    async fn read_rows(&self, table: &QualifiedName) -> Result<Vec<Row>> {
        self.rows_of_inner()?.read_rows(table).await
    }

    async fn write_rows(&self, table: &QualifiedName, rows: &[Row]) -> Result<u64> {
        self.spend()?;
        self.rows_of_inner()?.write_rows(table, rows).await
    }

    async fn count_rows(&self, table: &QualifiedName) -> Result<u64> {
        self.rows_of_inner()?.count_rows(table).await
    }

    async fn count_nulls(&self, table: &QualifiedName, column: &str) -> Result<u64> {
        self.rows_of_inner()?.count_nulls(table, column).await
    }
}

impl Driver for Interrupted {
    fn rows(&self) -> Option<&dyn RowAccess> {
        Some(self)
    }

    fn server(&self) -> Option<&dyn ServerOps> {
        None
    }
}

async fn migration_active(ctx: &TestContext, version: u64) -> anyhow::Result<bool> {
    Ok(ctx
        .driver
        .history()
        .await?
        .iter()
        .any(|r| r.version == version && r.status != RecordStatus::RolledBack))
}

pub async fn interrupted_at_every_action(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "users_cleanup", ACCEPTANCE)?;
    ctx.apply().await?;
    let after = ctx.capture().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await?;

    for budget in 0.. {
        let driver = Interrupted {
            inner: ctx.connect_again().await?,
            budget: AtomicI64::new(budget),
        };
        let result = ctx.apply_with(&driver).await;
        let died = driver.died();
        drop(driver);
        if !died {
            result?;
            ensure!(
                ctx.capture().await? == after,
                "an uninterrupted apply (budget {budget}) differs from the reference"
            );
            ctx.rollback(1).await?;
            ctx.assert_restored(&before).await?;
            ensure!(budget > 10, "the acceptance migration finished within {budget} calls: the crash points were not exercised");
            return Ok(());
        }
        ensure!(
            result.is_err(),
            "apply succeeded although the runner died (budget {budget})"
        );
        if budget % 2 == 0 {
            ctx.apply()
                .await
                .map_err(|e| anyhow::anyhow!("apply after a crash at call {budget}: {e}"))?;
            let now = ctx.capture().await?;
            ensure!(now == after, "apply after a crash at call {budget} differs from an uninterrupted run:\n{now:#?}\nexpected:\n{after:#?}");
            ctx.rollback(1).await?;
        } else if migration_active(ctx, 2).await? {
            ctx.rollback(1)
                .await
                .map_err(|e| anyhow::anyhow!("rollback after a crash at call {budget}: {e}"))?;
        }
        ctx.assert_restored(&before)
            .await
            .map_err(|e| anyhow::anyhow!("after a crash at call {budget}: {e}"))?;
    }
    unreachable!("the loop returns once the budget covers the whole apply")
}
