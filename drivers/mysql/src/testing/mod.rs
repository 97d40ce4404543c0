//! Fresh databases for tests: a random name, created and dropped through an admin connection.

use strata_core::Result;

use crate::MySqlDriver;

/// The admin URL tests use: `STRATA_TEST_MYSQL_URL`, else the local server.
pub fn admin_url() -> String {
    std::env::var("STRATA_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// Creates an empty database named `strata_test_<random>`; returns its URL.
pub async fn create_database(admin: &str) -> Result<String> {
    let conn = MySqlDriver::connect(admin).await?;
    strata_sql::provision::create_database::<crate::dialect::My>(&conn, admin).await
}

/// Drops a database made by [`create_database`].
pub async fn drop_database(admin: &str, url: &str) -> Result<()> {
    let conn = MySqlDriver::connect(admin).await?;
    strata_sql::provision::drop_database::<crate::dialect::My>(&conn, url, "").await
}

pub mod catalog;

/// The one `ALTER` that renames a column some CHECK names with those CHECKs carried through
/// it, and the one that renames it back (MariaDB's fallback, see `compile::renames`): for
/// tests that run it on a table in the state the fallback is for.
pub fn checked_rename(
    table: &strata_core::schema::Table,
    from: &str,
    to: &str,
) -> Option<(String, String)> {
    crate::compile::carried(table, &crate::sql::table(&table.name), from, to)
}

/// Everything the engine reports of the database at `url` (see [`catalog`]).
pub async fn catalog(url: &str) -> Result<catalog::Catalog> {
    catalog::read(url)
        .await
        .map_err(|e| strata_core::Error::database(crate::NAME, "reading the catalog", e))
}
