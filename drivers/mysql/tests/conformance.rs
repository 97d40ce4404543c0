//! The conformance suite against MySQL and MariaDB: every scenario on a fresh database.
//!
//! `STRATA_TEST_MYSQL_URL` names the server [mysql://root@127.0.0.1:3306/test].

use std::process::ExitCode;
use std::sync::Arc;

use strata_conformance::Provision;

mod real_schemas;
use strata_mysql::testing;

struct MySql {
    admin: String,
}

#[async_trait::async_trait]
impl Provision for MySql {
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
        "mysql",
        Arc::new(MySql {
            admin: testing::admin_url(),
        }),
        real_schemas::SCENARIOS,
    )
}
