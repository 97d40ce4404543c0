//! The whole conformance suite through the SQLite driver loaded as a dynamic plugin.
//!
//! This test binary links no driver: it builds `strata-sqlite-plugin` with cargo, loads the
//! library with `registry::load_plugin`, checks the loaded driver, and runs every scenario
//! through it. `STRATA_TEST_SQLITE_DIR` names where the database files go [the temporary
//! directory].

use std::process::ExitCode;
use std::sync::Arc;

use strata_conformance::Provision;

/// The SQLite catalog reader of the driver's tests, included as it is: linking the driver
/// crate itself would register it, and this binary must reach SQLite through the plugin only.
#[path = "../../sqlite/src/testing/catalog.rs"]
mod catalog;
/// The SQLite driver's own scenarios (schemas written as SQLite DDL), included the same way.
#[path = "../../sqlite/tests/real_schemas/mod.rs"]
mod real_schemas;
use strata_core::registry::{self, Origin};

struct Files {
    dir: std::path::PathBuf,
}

#[async_trait::async_trait]
impl Provision for Files {
    async fn create(&self) -> anyhow::Result<String> {
        let path = self.dir.join(format!(
            "{}.db",
            strata_core::testing::random_database_name()
        ));
        Ok(format!("sqlite://{}?mode=rwc", path.display()))
    }

    async fn destroy(&self, url: &str) -> anyhow::Result<()> {
        let path = url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap_or_default();
        for suffix in ["", ".strata-lock", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        Ok(())
    }

    async fn catalog(&self, url: &str) -> anyhow::Result<strata_conformance::Catalog> {
        Ok(catalog::read(url).await?)
    }
}

fn main() -> ExitCode {
    let library = match strata_core::testing::build_plugin("strata-sqlite-plugin") {
        Ok(path) => path,
        Err(e) => {
            eprintln!("cannot build the plugin: {e}");
            return ExitCode::FAILURE;
        }
    };
    assert!(
        registry::drivers().expect("registry").is_empty(),
        "this test must link no driver: the suite has to run through the plugin"
    );
    let names = registry::load_plugin(&library).expect("the plugin loads");
    assert_eq!(names, ["sqlite"]);
    let driver = registry::by_name("sqlite").expect("registered");
    assert!(
        matches!(driver.origin, Origin::Plugin(p) if p.file_name() == library.file_name()),
        "{:?}",
        driver.origin
    );
    let dir = std::env::var_os("STRATA_TEST_SQLITE_DIR")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    strata_conformance::run_with("sqlite", Arc::new(Files { dir }), real_schemas::SCENARIOS)
}
