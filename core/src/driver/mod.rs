//! The traits an engine implements, each one concern:
//!
//! | trait | what it is | |
//! | --- | --- | --- |
//! | [`Engine`] (with [`TypeMapper`]) | identity, capabilities, type mapping, statements, transactions | required |
//! | [`Inspect`] | the schema as the engine reports it | required |
//! | [`StepCompiler`] | a step's pre-flight analysis, its actions, its effect on the engine's text | required |
//! | [`HistoryStore`] | the `strata_migrations` table | required |
//! | [`RunnerLock`] | the lock that keeps two runners apart | required |
//! | [`RowAccess`] | rows in the portable value model (backup files, tests) | optional |
//! | [`ServerOps`] | `verify`, pre-migration facts, sizes and activity for `monitor` | optional |
//!
//! A [`Driver`] is all the required ones; it hands out the optional ones as
//! `Option<&dyn …>` ([`Driver::rows`], [`Driver::server`]), so a caller knows at once what
//! the engine offers, without running anything to find out. Every trait method is required: what can be computed from other
//! methods lives once in an extension trait ([`EngineExt`], [`RowAccessExt`], [`DriverExt`]),
//! so a wrapper that forwards a trait (the plugin boundary, a test's fault injector) cannot
//! miss a method — the compiler names it.

mod compile;
mod engine;
mod history;
mod inspect;
mod kinds;
mod lock;
mod rows;
mod server;

pub use compile::{analyze_each, StepCompiler};
pub use engine::{Engine, EngineExt, TypeMapper};
pub use history::HistoryStore;
pub use inspect::Inspect;
pub use kinds::{
    analyze_step, compile_step, AnalyzeKind, AnalyzesEveryKind, CompileKind, CompilesEveryKind,
};
pub use lock::RunnerLock;
pub use rows::{RowAccess, RowAccessExt};
pub use server::{ServerOps, VerifyCheck};

pub use crate::capabilities::Capabilities;
pub use crate::planning::{Analysis, Finding, FindingKind, StepContext};

use crate::error::Result;

/// A database engine, as strata drives it: every required trait, and the optional ones it
/// has.
///
/// Object safe: the CLI and the runner hold a `Box<dyn Driver>`. A driver owns one session
/// (connection) for the runner: transactions, the runner lock and temporary objects live on
/// it.
pub trait Driver: Engine + Inspect + StepCompiler + HistoryStore + RunnerLock {
    /// Row access, where the engine has it.
    fn rows(&self) -> Option<&dyn RowAccess>;

    /// Server operations, where the engine has them.
    fn server(&self) -> Option<&dyn ServerOps>;
}

/// What is computed from a driver's traits, the same for every driver.
pub trait DriverExt {
    /// Row access, or an [`Error::NotSupported`](crate::Error::NotSupported) that names `doing`.
    fn rows_for(&self, doing: &str) -> Result<&dyn RowAccess>;
}

impl<D: Driver + ?Sized> DriverExt for D {
    fn rows_for(&self, doing: &str) -> Result<&dyn RowAccess> {
        self.rows().ok_or_else(|| self.not_supported(doing))
    }
}
