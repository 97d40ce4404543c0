//! Fresh databases for tests: a random name (MongoDB creates a database on first write) and
//! `dropDatabase` afterwards.

use strata_core::{Engine, Result, Statement};

use crate::MongoDriver;

/// The URL tests use: `STRATA_TEST_MONGODB_URL`, else the local server.
pub fn admin_url() -> String {
    std::env::var("STRATA_TEST_MONGODB_URL")
        .unwrap_or_else(|_| "mongodb://127.0.0.1:27017/test".into())
}

/// A database named `strata_test_<random>` on the server; returns its URL. Checks the server
/// answers.
pub async fn create_database(admin: &str) -> Result<String> {
    MongoDriver::connect(admin).await?;
    Ok(strata_core::testing::url_with_database(
        admin,
        &strata_core::testing::random_database_name(),
    ))
}

/// Drops a database made by [`create_database`].
pub async fn drop_database(_admin: &str, url: &str) -> Result<()> {
    let conn = MongoDriver::connect(url).await?;
    conn.execute(&Statement::Command(
        serde_json::json!({ "dropDatabase": 1 }),
    ))
    .await?;
    Ok(())
}

pub mod catalog;

/// Everything the engine reports of the database at `url` (see [`catalog`]).
pub async fn catalog(url: &str) -> Result<catalog::Catalog> {
    catalog::read(url)
        .await
        .map_err(|e| strata_core::Error::database(crate::NAME, "reading the catalog", e))
}
