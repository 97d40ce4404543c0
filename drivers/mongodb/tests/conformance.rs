//! The conformance suite against MongoDB: every scenario on a fresh database.
//!
//! `STRATA_TEST_MONGODB_URL` names the server [mongodb://127.0.0.1:27017/test].

use std::process::ExitCode;

mod real_schemas;

fn main() -> ExitCode {
    // A runner that dies leaves its lease until it expires: keep that short for the tests.
    std::env::set_var("STRATA_MONGODB_LEASE_MS", "600");
    strata_conformance::run_with(
        "mongodb",
        strata_conformance::provision!(strata_mongodb::testing),
        real_schemas::SCENARIOS,
    )
}
