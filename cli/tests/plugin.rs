//! `strata --plugin` and `STRATA_PLUGIN_PATH`: the SQLite driver built as a dynamic plugin
//! replaces the built-in one, shows in `strata drivers`, and runs the example project; a
//! plugin built for another strata is refused with the versions on both sides.

mod common;

use std::process::Output;

use anyhow::ensure;
use common::{code, strata, text, Engine};

fn sqlite_origin(drivers_json: &Output) -> anyhow::Result<String> {
    let list: serde_json::Value = serde_json::from_slice(&drivers_json.stdout)?;
    let sqlite = list
        .as_array()
        .and_then(|a| a.iter().find(|d| d["name"] == "sqlite"))
        .ok_or_else(|| anyhow::anyhow!("no sqlite driver: {}", text(drivers_json)))?;
    ensure!(sqlite["capabilities"]["transactional_ddl"] == true);
    Ok(sqlite["origin"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_plugin_driver_replaces_the_built_in_one_and_runs_the_example() -> anyhow::Result<()> {
    let library =
        strata_core::testing::build_plugin("strata-sqlite-plugin").map_err(anyhow::Error::msg)?;
    let lib = library.to_str().expect("UTF-8 path");

    let built_in = strata(&["--json", "drivers"], &[]);
    ensure!(sqlite_origin(&built_in)? == "built in");
    let loaded = strata(&["--plugin", lib, "--json", "drivers"], &[]);
    ensure!(code(&loaded) == 0, "{}", text(&loaded));
    ensure!(
        sqlite_origin(&loaded)? == format!("plugin {lib}"),
        "{}",
        text(&loaded)
    );
    let table = strata(&["--plugin", lib, "drivers"], &[]);
    ensure!(text(&table).contains("plugin "), "{}", text(&table));
    let dir = std::env::temp_dir().join(strata_core::testing::random_database_name());
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(&library, dir.join(library.file_name().expect("a file")))?;
    let from_env = strata(
        &["--json", "drivers"],
        &[("STRATA_PLUGIN_PATH", dir.as_os_str())],
    );
    ensure!(
        sqlite_origin(&from_env)?.starts_with(&format!("plugin {}", dir.display())),
        "{}",
        text(&from_env)
    );
    std::fs::remove_dir_all(&dir)?;

    let url = Engine::Sqlite.create_database().await?;
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/shop/migrations");
    let run = |extra: &[&str]| {
        strata(
            &[
                &["--plugin", lib, "--url", &url, "--dir", migrations][..],
                extra,
            ]
            .concat(),
            &[],
        )
    };
    let plan = run(&["plan"]);
    ensure!(code(&plan) == 0, "{}", text(&plan));
    let apply = run(&["apply", "--yes"]);
    ensure!(code(&apply) == 0, "{}", text(&apply));
    let status = run(&["status"]);
    ensure!(
        text(&status).matches("applied").count() >= 3,
        "{}",
        text(&status)
    );
    let back = run(&["rollback", "--yes", "--to", "0"]);
    ensure!(code(&back) == 0, "{}", text(&back));
    Engine::Sqlite.drop_database(&url).await
}

#[test]
fn a_mismatched_plugin_is_refused_naming_both_sides() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(strata_core::testing::random_database_name());
    std::fs::create_dir_all(&dir)?;
    let forged = strata_core::testing::Forged {
        core_version: "0.0.1".into(),
        rustc_version: "rustc 1.0.0 (forged)".into(),
        ..Default::default()
    };
    let library = strata_core::testing::forge_plugin(&dir, &forged).map_err(anyhow::Error::msg)?;
    let out = strata(
        &["--plugin", library.to_str().expect("UTF-8"), "drivers"],
        &[],
    );
    ensure!(code(&out) == 1, "{}", text(&out));
    for needle in [
        "strata-core version: plugin 0.0.1, strata ",
        "rustc version: plugin \"rustc 1.0.0 (forged)\", strata \"rustc ",
        "rebuild the plugin against strata-core =",
    ] {
        ensure!(text(&out).contains(needle), "{needle:?}: {}", text(&out));
    }
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
