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

    /// Compiles the first steps of `run` together, as a DBA would: one `ALTER` with a clause
    /// per step, or one table rebuild, and one backup copy for them. `run` is two or more
    /// consecutive steps of one migration on one table, none refused. The driver returns
    /// how many leading steps it took (at least two) and their actions, in order; or `None`,
    /// and each step is compiled alone. Each action keeps the index of the step it comes
    /// from. A step whose own backup ([`StepContext::own_backup_name`]) the actions do not
    /// create has its values in the first backup they create (one copy for the table), and
    /// the plan says so. By default `None`.
    fn compile_run(&self, run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
        let _ = run;
        None
    }

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
