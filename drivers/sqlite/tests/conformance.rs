//! The conformance suite against SQLite: every scenario on a fresh database.
//!
//! `STRATA_TEST_SQLITE_DIR` names the server [the temporary directory].

use std::process::ExitCode;

mod real_schemas;

fn main() -> ExitCode {
    strata_conformance::run_with(
        "sqlite",
        strata_conformance::provision!(strata_sqlite::testing),
        real_schemas::SCENARIOS,
    )
}
