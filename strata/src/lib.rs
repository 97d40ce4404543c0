//! # strata
//!
//! Database schema migrations across engines — PostgreSQL, MySQL/MariaDB, MongoDB and SQLite
//! — written once in a portable vocabulary and run the way a careful DBA runs them by hand:
//! the live data checked first, what will be destroyed backed up and verified, the change
//! applied in the safest order the engine allows, the result verified and recorded, and every
//! migration reversible without losing a row.
//!
//! This crate is strata as a library, for applications that migrate their own database. The
//! `strata` command line is a client of the same API.
//!
//! ## Drivers
//!
//! Engines are cargo features, as in sqlx: `sqlite` (the default), `postgres`, `mysql`,
//! `mongodb`. A URL's scheme picks the driver (`sqlite://`, `postgres://`, `mysql://`,
//! `mariadb://`, `mongodb://`).
//!
//! ```toml
//! [dependencies]
//! strata = { version = "0.1", default-features = false, features = ["postgres"] }
//! ```
//!
//! ## Migrating at start-up
//!
//! [`embed!`] compiles a migrations directory into the binary: each file is parsed and
//! checksummed at build time, so an invalid one is a compile error that names its file, step
//! and field. [`Migrator::apply`] then applies what is pending, with the same pre-flight
//! checks, backups, runner lock and history as `strata apply`:
//!
//! ```no_run
//! # async fn start(database_url: &str) -> strata::Result<()> {
//! let report = strata::embed!("tests/fixtures/migrations")
//!     .on_progress(|line| eprintln!("{line}"))
//!     .apply(database_url)
//!     .await?;
//! eprintln!("applied {:?}", report.applied);
//! # Ok(()) }
//! ```
//!
//! Or read the directory at run time with [`Migrator::from_dir`]:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = std::env::temp_dir().join(format!("strata-doc-lib-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! # std::fs::create_dir_all(dir.join("migrations"))?;
//! # std::fs::write(dir.join("migrations/0001_users.toml"), r#"
//! # [[step]]
//! # op = "create_table"
//! # table = "users"
//! # columns = [{ name = "id", type = "int64", primary_key = true }, { name = "age", type = "text" }]
//! # "#)?;
//! # std::fs::write(dir.join("migrations/0002_age.toml"), r#"
//! # [[step]]
//! # op = "change_type"
//! # table = "users"
//! # column = "age"
//! # to = "int32"
//! # on_incompatible = "set_null"
//! # "#)?;
//! let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());
//! let migrator = strata::Migrator::from_dir(dir.join("migrations"))?;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//!
//! // What would run, with its counts, before anything does.
//! let plans = runtime.block_on(migrator.plan(&url))?;
//! assert_eq!(plans.len(), 2);
//! assert_eq!(plans[1].steps[0].op, "change_type");
//!
//! let report = runtime.block_on(migrator.apply(&url))?;
//! assert_eq!(report.applied, [1, 2]);
//! # Ok(()) }
//! ```
//!
//! Errors are [`Error`]s; [`Error::exit_code`] gives the command line's exit code for each
//! (a refusal 3, a held lock 4, bad input 2, anything else 1).

mod embedded;
mod migrator;

pub use migrator::{Migrator, ProgressFn};

#[doc(hidden)]
pub mod __private {
    pub use strata_macros::embed_files;
}

/// Embeds a migrations directory (relative to the crate's `Cargo.toml`) into the binary and
/// evaluates to a [`Migrator`] over it.
///
/// Every file is parsed and checksummed when the crate is built: an invalid file, a file name
/// without a version, two files with one version, or a directory that is missing or holds no
/// migration fail the build with the message `strata plan` would print. An embedded file that changes rebuilds the crate; for a file *added* to
/// the directory to do so too, give the crate a `build.rs` with
/// `println!("cargo:rerun-if-changed=migrations");`.
///
/// ```
/// let migrator = strata::embed!("tests/fixtures/migrations");
/// assert_eq!(migrator.migrations()[0].name, "accounts");
/// ```
///
/// A file strata cannot read does not build (`tests/fixtures/invalid/0001_typo.toml` has a
/// field `colums`; the error names the file, step 1, `create_table` and the field):
///
/// ```compile_fail
/// let migrator = strata::embed!("tests/fixtures/invalid");
/// ```
#[macro_export]
macro_rules! embed {
    ($dir:literal) => {
        $crate::Migrator::embedded($crate::__private::embed_files!($dir))
    };
}

pub use strata_core::checks::{Check, Status as CheckStatus};
pub use strata_core::history::{MigrationState, MigrationStatus};
pub use strata_core::plan::{MigrationPlan, StepPlan};
pub use strata_core::runner::{ApplyReport, RollbackTarget};
pub use strata_core::{
    Analysis, Capabilities, Driver, Error, Finding, FindingKind, HistoryRecord, Migration,
    PortableType, QualifiedName, RecordStatus, Refusal, RefusalKind, Result, Statement, Step,
    StepKind, VERSION,
};

/// The engine-neutral core, for driver authors and tools that need more than [`Migrator`]:
/// the migration model, the planner, the runner, the driver traits and the registry.
pub use strata_core as core_api;

#[cfg(feature = "mongodb")]
use strata_mongodb as _;
#[cfg(feature = "mysql")]
use strata_mysql as _;
#[cfg(feature = "postgres")]
use strata_postgres as _;
#[cfg(feature = "sqlite")]
use strata_sqlite as _;
