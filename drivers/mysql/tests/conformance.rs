//! The conformance suite against MySQL and MariaDB: every scenario on a fresh database.
//!
//! `STRATA_TEST_MYSQL_URL` names the server [mysql://root@127.0.0.1:3306/test].

use std::process::ExitCode;

mod real_schemas;

fn main() -> ExitCode {
    strata_conformance::run_with(
        "mysql",
        strata_conformance::provision!(strata_mysql::testing),
        real_schemas::SCENARIOS,
    )
}
