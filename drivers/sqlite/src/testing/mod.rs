//! Fresh databases for tests: a new file in the temporary directory.

use strata_core::Result;

/// Where test databases go: `STRATA_TEST_SQLITE_DIR`, else the temporary directory.
pub fn admin_url() -> String {
    std::env::var("STRATA_TEST_SQLITE_DIR")
        .unwrap_or_else(|_| std::env::temp_dir().display().to_string())
}

/// A new database file `strata_test_<random>.db` in `dir`; returns its URL.
pub async fn create_database(dir: &str) -> Result<String> {
    let path = std::path::Path::new(dir).join(format!(
        "{}.db",
        strata_core::testing::random_database_name()
    ));
    Ok(format!("sqlite://{}?mode=rwc", path.display()))
}

/// Removes a database file made by [`create_database`] (and its lock file).
pub async fn drop_database(_dir: &str, url: &str) -> Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default();
    for p in [
        path.to_owned(),
        format!("{path}.strata-lock"),
        format!("{path}-wal"),
        format!("{path}-shm"),
    ] {
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

pub mod catalog;

/// Everything the engine reports of the database at `url` (see [`catalog`]).
pub async fn catalog(url: &str) -> Result<catalog::Catalog> {
    catalog::read(url)
        .await
        .map_err(|e| strata_core::Error::database(crate::NAME, "reading the catalog", e))
}
