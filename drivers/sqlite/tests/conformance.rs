//! The conformance suite against SQLite: every scenario on a fresh database.
//!
//! `STRATA_TEST_SQLITE_DIR` names the server [the temporary directory].

use std::process::ExitCode;
use std::sync::Arc;

use strata_conformance::Provision;
use strata_sqlite::testing;

mod real_schemas;

struct Sqlite {
    admin: String,
}

#[async_trait::async_trait]
impl Provision for Sqlite {
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
        "sqlite",
        Arc::new(Sqlite {
            admin: testing::admin_url(),
        }),
        real_schemas::SCENARIOS,
    )
}
