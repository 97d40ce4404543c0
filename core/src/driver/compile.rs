//! A step's pre-flight analysis, its compilation into actions, and its effect on the
//! engine's own text during planning.

use async_trait::async_trait;

use crate::action::Action;
use crate::error::Result;
use crate::planning::{Analysis, StepContext};
use crate::schema::Snapshot;
use crate::steps::Step;

/// Analyzes and compiles steps.
#[async_trait]
pub trait StepCompiler: Send + Sync {
    /// Counts, on the live data, what the step will touch, convert, fill or refuse. By
    /// default the one step through [`analyze_steps`](Self::analyze_steps).
    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis> {
        self.analyze_steps(&[ctx])
            .await
            .pop()
            .expect("one analysis per step")
    }

    /// Analyzes several steps of one migration. Drivers fuse what they can (one scan per
    /// table for all its counts); one that fuses nothing returns
    /// [`analyze_each`](crate::driver::analyze_each)`(self, steps)`.
    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>>;

    /// Compiles the step into actions, against `ctx.snapshot`.
    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>>;

    /// Brings the engine's own text in `after` up to date after `step`, as its compiled
    /// actions will leave it: the definitions a later step's compilation reads (SQLite
    /// rebuilds a table from its `CREATE TABLE` text and re-creates its indexes from theirs).
    /// The planner calls it after applying the step's portable effect to `after`
    /// (`simulate.rs`); `before` is the schema as the step finds it. A driver that keeps no
    /// text leaves `after` alone, and a table an earlier step changed keeps
    /// [`Table::definition_stale`](crate::schema::Table::definition_stale) set.
    fn simulate(&self, step: &Step, before: &Snapshot, after: &mut Snapshot);
}

/// Analyzes the steps one by one, for a driver that fuses no counts.
pub async fn analyze_each(
    compiler: &(impl StepCompiler + ?Sized),
    steps: &[StepContext<'_>],
) -> Vec<Result<Analysis>> {
    let mut out = Vec::with_capacity(steps.len());
    for ctx in steps {
        out.push(compiler.analyze(*ctx).await);
    }
    out
}
