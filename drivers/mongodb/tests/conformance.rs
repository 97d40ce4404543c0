//! The conformance suite against MongoDB: every scenario on a fresh database.
//!
//! `STRATA_TEST_MONGODB_URL` names the server [mongodb://127.0.0.1:27017/test].

use std::process::ExitCode;
use std::sync::Arc;

use strata_conformance::Provision;

mod real_schemas;
use strata_mongodb::testing;

struct Mongo {
    admin: String,
}

#[async_trait::async_trait]
impl Provision for Mongo {
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
    // A runner that dies leaves its lease until it expires: keep that short for the tests.
    std::env::set_var("STRATA_MONGODB_LEASE_MS", "600");
    strata_conformance::run_with(
        "mongodb",
        Arc::new(Mongo {
            admin: testing::admin_url(),
        }),
        real_schemas::SCENARIOS,
    )
}
