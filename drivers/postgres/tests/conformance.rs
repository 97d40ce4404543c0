//! The conformance suite against PostgreSQL: every scenario on a fresh database.
//!
//! `STRATA_TEST_POSTGRES_URL` names the server [postgres://postgres@127.0.0.1:5432/test].

use std::process::ExitCode;

mod real_schemas;

fn main() -> ExitCode {
    strata_conformance::run_with(
        "postgres",
        strata_conformance::provision!(strata_postgres::testing),
        real_schemas::SCENARIOS,
    )
}
