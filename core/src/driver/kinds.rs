//! The step kind as the unit of a driver's compiler. A driver implements [`AnalyzeKind`] and
//! [`CompileKind`] once per kind, side by side in its `compile/<kind>.rs`; [`analyze_step`] and
//! [`compile_step`] dispatch a step to them. Both are generated from the one list of kinds
//! (`steps::step_kinds!`), and they require every kind: a driver that misses one does not
//! compile, with one error per missing kind naming it (``the trait `CompileKind<DropTable>` is
//! not implemented for `Compiler` ``).
//!
//! ```compile_fail,E0277
//! use strata_core::driver::{compile_step, CompileKind};
//! use strata_core::steps::CreateTable;
//! use strata_core::{Action, Result, StepContext};
//!
//! struct OnlyCreates;
//!
//! impl CompileKind<CreateTable> for OnlyCreates {
//!     fn compile(&self, _: StepContext<'_>, _: &CreateTable) -> Result<Vec<Action>> {
//!         Ok(Vec::new())
//!     }
//! }
//!
//! // error[E0277]: the trait `CompileKind<DropTable>` is not implemented for `OnlyCreates`
//! // (and one error for each kind it misses)
//! fn compile(ctx: StepContext<'_>) -> Result<Vec<Action>> {
//!     compile_step(&OnlyCreates, ctx)
//! }
//! ```
//!
//! `Self` is what the driver's code for a kind reads: its session or fused counter for the
//! analysis, the objects the analysis found for the compilation, and so on. Each driver has
//! its own.

use std::future::Future;

use crate::action::Action;
use crate::error::Result;
use crate::planning::{Analysis, StepContext};
use crate::steps::{self, StepKind};

/// The pre-flight analysis of one step kind on the live data.
pub trait AnalyzeKind<S>: Sync {
    /// Counts what the step will touch, convert, fill or refuse.
    fn analyze(
        &self,
        ctx: StepContext<'_>,
        step: &S,
    ) -> impl Future<Output = Result<Analysis>> + Send;
}

/// The compilation of one step kind into actions, against `ctx.snapshot`.
pub trait CompileKind<S>: Sync {
    /// The step's actions, each with its inverse where it has one.
    fn compile(&self, ctx: StepContext<'_>, step: &S) -> Result<Vec<Action>>;
}

macro_rules! dispatch {
    ($($op:literal => $variant:ident),* $(,)?) => {
        /// An analyzer of every step kind.
        pub trait AnalyzesEveryKind: $(AnalyzeKind<steps::$variant> +)* Sync {}
        impl<T: $(AnalyzeKind<steps::$variant> +)* Sync + ?Sized> AnalyzesEveryKind for T {}

        /// A compiler of every step kind.
        pub trait CompilesEveryKind: $(CompileKind<steps::$variant> +)* Sync {}
        impl<T: $(CompileKind<steps::$variant> +)* Sync + ?Sized> CompilesEveryKind for T {}

        /// Analyzes `ctx.step` with the analyzer of its kind.
        pub async fn analyze_step<A: AnalyzesEveryKind + ?Sized>(
            analyzer: &A,
            ctx: StepContext<'_>,
        ) -> Result<Analysis> {
            match &ctx.step.kind {
                $(StepKind::$variant(s) => {
                    AnalyzeKind::<steps::$variant>::analyze(analyzer, ctx, s).await
                })*
            }
        }

        /// Compiles `ctx.step` with the compiler of its kind.
        pub fn compile_step<C: CompilesEveryKind + ?Sized>(
            compiler: &C,
            ctx: StepContext<'_>,
        ) -> Result<Vec<Action>> {
            match &ctx.step.kind {
                $(StepKind::$variant(s) => CompileKind::<steps::$variant>::compile(compiler, ctx, s),)*
            }
        }
    };
}

steps::step_kinds!(dispatch);
