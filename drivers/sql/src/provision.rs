//! Test databases on a server: a fresh database with a random name, created and dropped through
//! an admin connection. (SQLite's are files, and need none of this.)

use strata_core::{Engine, Result, Statement};

use crate::Dialect;

/// Creates an empty database named `strata_test_<random>` through `admin`, a driver of dialect
/// `D` connected to the server; returns the URL of the new database: `admin_url` with its
/// database replaced.
pub async fn create_database<D: Dialect>(admin: &dyn Engine, admin_url: &str) -> Result<String> {
    let name = strata_core::testing::random_database_name();
    admin
        .execute(&Statement::Sql(format!(
            "CREATE DATABASE {}",
            D::ident(&name)
        )))
        .await?;
    Ok(strata_core::testing::url_with_database(admin_url, &name))
}

/// Drops the database of `url` through `admin`; `suffix` is what the engine adds to close the
/// database's other sessions first (PostgreSQL: ` WITH (FORCE)`).
pub async fn drop_database<D: Dialect>(admin: &dyn Engine, url: &str, suffix: &str) -> Result<()> {
    let name = strata_core::testing::database_of(url);
    admin
        .execute(&Statement::Sql(format!(
            "DROP DATABASE IF EXISTS {}{suffix}",
            D::ident(name)
        )))
        .await
        .map(drop)
}
