//! # strata-core
//!
//! The engine-neutral heart of strata: the migration model and its parser (TOML, YAML, JSON),
//! portable types and values, the [`Driver`] trait and [`Capabilities`], the action model, the
//! planner (changes summary, impact assessment), the runner (lock, pre-flight, backups,
//! journaled actions, history, rollback) and the driver registry.
//!
//! Core never names an engine: drivers (`strata-postgres`, …) implement [`Driver`] and
//! register themselves with [`inventory`] through a [`DriverRegistration`]; out-of-tree drivers
//! are dynamic libraries loaded by [`plugin`].
//!
//! **Semver-exempt.** The API changes with strata's needs; driver authors pin
//! `strata-core` exactly (`strata-core = "=0.1.0"`).
//!
//! ```
//! use strata_core::migration::{parse_str, Format};
//! let m = parse_str("0001_x.toml", "[[step]]\nop = \"drop_table\"\ntable = \"old\"\n", Format::Toml, 1, "x").unwrap();
//! assert_eq!(m.steps[0].op(), "drop_table");
//! ```
#![deny(unsafe_code)] // allowed only in `plugin`, the loader of dynamic libraries

pub mod action;
pub mod activity;
pub mod backup_file;
pub mod backups;
pub mod batches;
pub mod capabilities;
pub mod checks;
pub mod counter;
pub mod driver;
mod error;
pub mod escape_hatch;
pub mod guide;
pub mod history;
mod live_names;
pub mod lock;
pub mod lock_holder;
pub mod migration;
pub mod monitor;
mod name;
pub mod plan;
pub mod planning;
#[allow(unsafe_code)]
pub mod plugin;
pub mod preflight;
mod refusal;
pub mod registration;
pub mod registry;
pub mod runner;
pub mod schema;
pub mod secrets;
pub mod server_facts;
pub mod simulate;
pub mod steps;
pub mod testing;
pub mod timeouts;
mod types;
mod value;
pub mod verify;
pub mod writes;

pub use action::{Action, ActionKind, Statement};
pub use capabilities::Capabilities;
pub use driver::{
    Driver, DriverExt, Engine, EngineExt, HistoryStore, Inspect, RowAccess, RowAccessExt,
    RunnerLock, ServerOps, StepCompiler, TypeMapper, VerifyCheck,
};
pub use error::{BoxError, Error, Result, StepLocation, StepMessage};
pub use history::{HistoryRecord, RecordStatus, HISTORY_TABLE};
pub use migration::Migration;
pub use name::QualifiedName;
pub use planning::{Analysis, Finding, FindingKind, StepContext};
pub use refusal::{Refusal, RefusalKind};
pub use registry::DriverRegistration;
pub use steps::{Step, StepKind};
pub use types::{PortableType, TYPE_NAMES};
pub use value::{portable_fingerprint, Fingerprint, Row, Value};

/// Re-exported for driver crates' `inventory::submit!`.
pub use inventory;

/// Loads crash points from the `FAILPOINTS` environment variable, for the crash tests. Does
/// nothing unless strata-core is built with the `failpoints` feature, which release builds
/// leave off. The crash points are `before-action`, `after-action`, `before-commit`,
/// `after-commit` and `before-undo`.
pub fn failpoints_from_env() {
    #[cfg(feature = "failpoints")]
    std::mem::forget(fail::FailScenario::setup());
}

/// strata's version, recorded in history rows.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
