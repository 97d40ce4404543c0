//! Fresh databases for tests: a random name, created and dropped through an admin connection.

use strata_core::Result;

use crate::PostgresDriver;

/// The admin URL tests use: `STRATA_TEST_POSTGRES_URL`, else the local server.
pub fn admin_url() -> String {
    std::env::var("STRATA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Creates an empty database named `strata_test_<random>`; returns its URL.
pub async fn create_database(admin: &str) -> Result<String> {
    let conn = PostgresDriver::connect(admin).await?;
    strata_sql::provision::create_database::<crate::dialect::Pg>(&conn, admin).await
}

/// Drops a database made by [`create_database`], closing its sessions.
pub async fn drop_database(admin: &str, url: &str) -> Result<()> {
    let conn = PostgresDriver::connect(admin).await?;
    strata_sql::provision::drop_database::<crate::dialect::Pg>(&conn, url, " WITH (FORCE)").await
}

pub mod catalog;

/// Everything the engine reports of the database at `url` (see [`catalog`]).
pub async fn catalog(url: &str) -> Result<catalog::Catalog> {
    catalog::read(url)
        .await
        .map_err(|e| strata_core::Error::database(crate::NAME, "reading the catalog", e))
}
