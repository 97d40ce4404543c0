//! # strata-conformance
//!
//! The scenarios every strata driver must pass, written once against the portable API, and
//! the harness that runs them. A driver author runs the whole suite with one call from a test
//! target declared with `harness = false`:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     strata_conformance::run("postgres", std::sync::Arc::new(MyProvision))
//! }
//! ```
//!
//! Each scenario gets a fresh database with a random name from the driver's [`Provision`],
//! sets up data, applies a migration, checks the schema and every row, rolls back, checks that
//! schema and data are exactly as before (fingerprints) and that no backup or temporary object
//! is left. A scenario an engine cannot support is skipped only through a declared capability.

mod context;
pub mod generative;
mod harness;
pub mod scenarios;

pub use context::{catalog_differences, row, State, TestContext};
pub use harness::{run, run_with, Catalog, Provision};
pub use scenarios::{Scenario, ScenarioFuture};
