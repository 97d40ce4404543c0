//! File backups and restore across engines, and `strata backups`: the acceptance migration on
//! PostgreSQL with `--backup-dir`, restored into MongoDB and into SQLite with the portable
//! fingerprint of the source data; in-database backups listed and dropped.

mod common;

use std::process::Output;

use anyhow::ensure;
use common::{code, text, Engine, Project};
use strata_core::{registry, DriverExt, QualifiedName, RowAccessExt};

fn strata(url: &str, args: &[&str]) -> Output {
    common::strata(&[&["--url", url][..], args].concat(), &[])
}

#[tokio::test]
async fn a_postgres_backup_restores_into_mongodb_and_sqlite() -> anyhow::Result<()> {
    let p = Project::acceptance_on(Engine::Postgres).await?;
    let dropped = QualifiedName::new("sessions_legacy");
    let source = p.ctx.row_access()?.fingerprint(&dropped).await?;
    ensure!(source.rows == 3);

    let dir = p.dir.join("backups");
    let apply = p.run(&[
        "apply",
        "--yes",
        "--backup-dir",
        dir.to_str().expect("UTF-8"),
    ]);
    ensure!(code(&apply) == 0, "{}", text(&apply));
    let folder = dir.join("2_users_cleanup");
    ensure!(
        text(&apply).contains(&folder.join("manifest.json").display().to_string()),
        "{}",
        text(&apply)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json"))?)?;
    ensure!(manifest["migration_version"] == 2 && manifest["engine"] == "postgres");
    let entry = manifest["backups"]
        .as_array()
        .and_then(|b| b.iter().find(|e| e["table"] == "sessions_legacy"))
        .ok_or_else(|| anyhow::anyhow!("no sessions_legacy backup: {manifest:#}"))?;
    ensure!(entry["rows"] == 3 && entry["fingerprint"] == source.digest.as_str());
    // Every backup of the migration is in the export: three (the steps on users share one
    // copy).
    let backups = p.ctx.backup_names().await?.len();
    ensure!(
        backups == 3
            && manifest["backups"]
                .as_array()
                .is_some_and(|b| b.len() == backups),
        "{manifest:#}"
    );

    for engine in [Engine::Mongodb, Engine::Sqlite] {
        let url = engine.create_database().await?;
        let from = folder.to_str().expect("UTF-8");
        let out = strata(
            &url,
            &["restore", "--from", from, "--table", "sessions_legacy"],
        );
        ensure!(code(&out) == 0, "{engine:?}: {}", text(&out));
        let target = registry::connect(Some(engine.name()), &url).await?;
        let restored = target
            .rows_for("fingerprinting")?
            .fingerprint(&dropped)
            .await?;
        ensure!(
            restored == source,
            "{engine:?}: restored {restored:?}, source {source:?}"
        );
        let again = strata(
            &url,
            &["restore", "--from", from, "--table", "sessions_legacy"],
        );
        ensure!(
            code(&again) == 3 && text(&again).contains("exists and holds 3 rows"),
            "{engine:?}: {}",
            text(&again)
        );
        drop(target);
        engine.drop_database(&url).await?;
    }

    // Every backup of the migration, column and key backups included, into SQLite.
    let url = Engine::Sqlite.create_database().await?;
    let out = strata(
        &url,
        &[
            "--json",
            "restore",
            "--from",
            folder.join("manifest.json").to_str().expect("UTF-8"),
        ],
    );
    ensure!(code(&out) == 0, "{}", text(&out));
    let restored: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    ensure!(
        restored.as_array().is_some_and(|r| r.len() == backups),
        "{restored:#}"
    );
    Engine::Sqlite.drop_database(&url).await?;

    // A damaged file is refused before anything is written.
    let file = folder.join(entry["file"].as_str().unwrap_or_default());
    let mut lines = std::fs::read_to_string(&file)?;
    let first = lines.lines().next().unwrap_or_default().to_owned();
    lines.push_str(&first);
    lines.push('\n');
    std::fs::write(&file, lines)?;
    let url = Engine::Sqlite.create_database().await?;
    let out = strata(
        &url,
        &["restore", "--from", folder.to_str().expect("UTF-8")],
    );
    ensure!(
        code(&out) == 1 && text(&out).contains("does not match its manifest"),
        "{}",
        text(&out)
    );
    Engine::Sqlite.drop_database(&url).await?;
    p.finish().await
}

#[tokio::test]
async fn backups_are_listed_and_old_ones_dropped() -> anyhow::Result<()> {
    let p = Project::acceptance_on(Engine::Sqlite).await?;
    ensure!(code(&p.run(&["apply", "--yes"])) == 0);
    let list = p.run(&["--json", "backups", "list"]);
    ensure!(code(&list) == 0, "{}", text(&list));
    let backups: serde_json::Value = serde_json::from_slice(&list.stdout)?;
    let all = backups.as_array().cloned().unwrap_or_default();
    // Four: SQLite keeps the dropped and the converted column of users in one copy.
    ensure!(all.len() == 4, "{backups:#}");
    ensure!(
        all.iter()
            .all(|b| b["migration"] == 2 && b["migration_status"] == "applied"),
        "{backups:#}"
    );
    let none = p.run(&["backups", "drop", "--older-than", "1", "--yes"]);
    ensure!(
        code(&none) == 0
            && text(&none).contains("no backup of a migration applied more than 1 days ago"),
        "{}",
        text(&none)
    );
    let unconfirmed = p.run(&["backups", "drop", "--older-than", "0"]);
    ensure!(code(&unconfirmed) == 2, "{}", text(&unconfirmed));
    let dropped = p.run(&["backups", "drop", "--older-than", "0", "--yes"]);
    ensure!(code(&dropped) == 0, "{}", text(&dropped));
    ensure!(
        text(&dropped).matches("dropped strata_bak_2_").count() == 4,
        "{}",
        text(&dropped)
    );
    let after = p.run(&["backups", "list"]);
    ensure!(text(&after).contains("no backups"), "{}", text(&after));
    let verify = p.run(&["verify"]);
    ensure!(
        code(&verify) == 0 && text(&verify).contains("4 dropped by `strata backups drop`"),
        "{}",
        text(&verify)
    );
    p.finish().await
}

/// `apply --backup-dir` on MongoDB after a `set_not_null` over NULLs: the backup of the keys
/// whose field was null has a column the sample gives no type; it is written (as text holding
/// only nulls) instead of failing the export after the apply.
#[tokio::test]
async fn mongodb_file_backups_of_null_fills_are_written() -> anyhow::Result<()> {
    let p = Project::acceptance_on(Engine::Mongodb).await?;
    let dir = p.dir.join("backups");
    let apply = p.run(&[
        "apply",
        "--yes",
        "--backup-dir",
        dir.to_str().expect("UTF-8"),
    ]);
    ensure!(code(&apply) == 0, "{}", text(&apply));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        dir.join("2_users_cleanup/manifest.json"),
    )?)?;
    let email = manifest["backups"]
        .as_array()
        .and_then(|b| b.iter().find(|e| e["backup"] == "strata_bak_2_users_email"))
        .ok_or_else(|| anyhow::anyhow!("no backup of the email fill: {manifest:#}"))?;
    ensure!(email["rows"] == 2, "{email:#}");
    p.finish().await
}
