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
pub mod spoil;

pub use context::{catalog_differences, row, State, TestContext};
pub use harness::{run, run_with, Catalog, Provision};
pub use scenarios::{Scenario, ScenarioFuture};

#[doc(hidden)]
pub use {anyhow as __anyhow, async_trait as __async_trait};

/// The [`Provision`] of a driver whose `testing` module has the usual four functions:
/// `admin_url()`, `create_database(admin)`, `drop_database(admin, url)` and `catalog(url)`.
///
/// ```ignore
/// fn main() -> std::process::ExitCode {
///     strata_conformance::run("mysql", strata_conformance::provision!(strata_mysql::testing))
/// }
/// ```
#[macro_export]
macro_rules! provision {
    ($testing:path) => {{
        use $testing as testing;

        struct Provisioned {
            admin: ::std::string::String,
        }

        #[$crate::__async_trait::async_trait]
        impl $crate::Provision for Provisioned {
            async fn create(&self) -> $crate::__anyhow::Result<::std::string::String> {
                Ok(testing::create_database(&self.admin).await?)
            }

            async fn destroy(&self, url: &str) -> $crate::__anyhow::Result<()> {
                Ok(testing::drop_database(&self.admin, url).await?)
            }

            async fn catalog(&self, url: &str) -> $crate::__anyhow::Result<$crate::Catalog> {
                Ok(testing::catalog(url).await?)
            }
        }

        ::std::sync::Arc::new(Provisioned {
            admin: testing::admin_url(),
        })
    }};
}
