//! The conformance suite against PostgreSQL: every scenario on a fresh database.
//!
//! `STRATA_TEST_POSTGRES_URL` names the server [postgres://postgres@127.0.0.1:5432/test].

use std::process::ExitCode;
use std::sync::Arc;

use strata_conformance::Provision;
use strata_postgres::testing;

mod real_schemas;

struct Postgres {
    admin: String,
}

#[async_trait::async_trait]
impl Provision for Postgres {
    async fn create(&self) -> anyhow::Result<String> {
        Ok(testing::create_database(&self.admin).await?)
    }

    async fn destroy(&self, url: &str) -> anyhow::Result<()> {
        Ok(testing::drop_database(&self.admin, url).await?)
    }

    async fn catalog(&self, url: &str) -> anyhow::Result<strata_conformance::Catalog> {
        Ok(testing::catalog(url).await?)
    }
}

fn main() -> ExitCode {
    strata_conformance::run_with(
        "postgres",
        Arc::new(Postgres {
            admin: testing::admin_url(),
        }),
        real_schemas::SCENARIOS,
    )
}
