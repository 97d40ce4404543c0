//! Test databases on a server: a fresh database with a random name, created and dropped through
//! an admin connection. (SQLite's are files, and need none of this.)

use strata_core::{Engine, Result, Statement};

/// Creates an empty database named `strata_test_<random>` through `admin`, a driver connected
/// to the server, quoting the name with `ident`; returns the URL of the new database, `admin_url`
/// with its database replaced.
pub async fn create_database(
    admin: &dyn Engine,
    admin_url: &str,
    ident: fn(&str) -> String,
) -> Result<String> {
    let name = strata_core::testing::random_database_name();
    admin
        .execute(&Statement::Sql(format!("CREATE DATABASE {}", ident(&name))))
        .await?;
    Ok(strata_core::testing::url_with_database(admin_url, &name))
}

/// Drops the database of `url` through `admin`; `suffix` is what the engine adds to close the
/// database's other sessions first (PostgreSQL: ` WITH (FORCE)`).
pub async fn drop_database(
    admin: &dyn Engine,
    url: &str,
    ident: fn(&str) -> String,
    suffix: &str,
) -> Result<()> {
    let name = strata_core::testing::database_of(url);
    admin
        .execute(&Statement::Sql(format!(
            "DROP DATABASE IF EXISTS {}{suffix}",
            ident(name)
        )))
        .await
        .map(drop)
}
