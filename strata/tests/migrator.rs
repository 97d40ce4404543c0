//! strata as a library: a Migrator from a directory and from `embed!`, against SQLite files
//! (and PostgreSQL, MySQL and MongoDB URLs for secrets), with the runner's checks, lock, history and rollback.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::ensure;
use strata::core_api::{DriverExt, RowAccessExt};
use strata::{Migrator, RecordStatus};
use strata_mongodb as _;
use strata_mysql as _;
use strata_postgres as _;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-facade-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("app.db").display())
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrations")
}

/// A scratch SQLite database with the first fixture migration applied from a directory of its
/// own and `rows` (`(id, email)` tuples) in `accounts`: the directory, the URL, a driver on it.
async fn accounts(
    name: &str,
    rows: &str,
) -> anyhow::Result<(PathBuf, String, Box<dyn strata::Driver>)> {
    let dir = scratch(name);
    let url = sqlite_url(&dir);
    std::fs::create_dir_all(dir.join("migrations"))?;
    std::fs::copy(
        fixtures().join("0001_accounts.toml"),
        dir.join("migrations/0001_accounts.toml"),
    )?;
    let migrator = Migrator::from_dir(dir.join("migrations"))?;
    migrator.apply(&url).await?;
    let driver = migrator.connect(&url).await?;
    driver
        .execute(&strata::Statement::Sql(format!(
            "INSERT INTO accounts (id, email) VALUES {rows}"
        )))
        .await?;
    Ok((dir, url, driver))
}

/// The embedded migrations are the directory's, parsed to the same checksums: an application
/// that migrates itself and the `strata` command line agree on what is applied.
#[test]
fn embedded_migrations_are_the_directorys() -> anyhow::Result<()> {
    let embedded = strata::embed!("tests/fixtures/migrations");
    let read = Migrator::from_dir(fixtures())?;
    let sums = |m: &Migrator| {
        m.migrations()
            .iter()
            .map(|m| (m.version, m.name.clone(), m.checksum.clone()))
            .collect::<Vec<_>>()
    };
    ensure!(
        sums(&embedded) == sums(&read),
        "{:?} vs {:?}",
        sums(&embedded),
        sums(&read)
    );
    ensure!(embedded.migrations()[1].file == "tests/fixtures/migrations/0002_accounts_age.yaml");
    Ok(())
}

/// A changed text is caught: the checksum the build computed no longer matches, and every run
/// says which file it is, before connecting.
#[tokio::test]
async fn an_embedded_file_whose_text_changed_is_refused() {
    let changed = Migrator::embedded(&[(
        "migrations/0001_x.toml",
        "0001_x.toml",
        "[[step]]\nop = \"drop_table\"\ntable = \"x\"\n",
        "0000",
    )]);
    let dir = scratch("changed");
    let err = changed
        .apply(&sqlite_url(&dir))
        .await
        .expect_err("a checksum mismatch");
    assert!(
        err.to_string()
            .starts_with("migrations/0001_x.toml: its checksum is")
            && err
                .to_string()
                .contains("not the 0000 computed when it was embedded"),
        "{err}"
    );
}

/// Apply, re-apply, plan and roll back through the library, with progress lines, on a real
/// SQLite file: the data converted as the plan said, the history written, and the rollback
/// exact.
#[tokio::test]
async fn apply_and_rollback_round_trip() -> anyhow::Result<()> {
    let dir = scratch("round-trip");
    let url = sqlite_url(&dir);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let first = strata::embed!("tests/fixtures/migrations");
    let migrator = Migrator::from_migrations(first.migrations()[..1].to_vec())?.on_progress({
        let lines = Arc::clone(&lines);
        move |l| lines.lock().unwrap().push(l.to_owned())
    });
    ensure!(migrator.apply(&url).await?.applied == [1]);

    let driver = migrator.connect(&url).await?;
    let rows = driver.rows_for("the test")?;
    driver
        .execute(&strata::core_api::Statement::Sql(
            "INSERT INTO accounts (id, email, age) VALUES (1, 'a@x', '41'), (2, 'b@x', 'forty'), (3, NULL, NULL)"
                .into(),
        ))
        .await?;
    let accounts: strata::QualifiedName = "accounts".parse().map_err(anyhow::Error::msg)?;
    let before = rows.fingerprint(&accounts).await?;

    let both = strata::embed!("tests/fixtures/migrations").on_progress({
        let lines = Arc::clone(&lines);
        move |l| lines.lock().unwrap().push(l.to_owned())
    });
    let plans = both.plan(&url).await?;
    ensure!(
        plans.len() == 1 && plans[0].version == 2,
        "one pending migration"
    );
    let report = both.apply(&url).await?;
    ensure!(report.applied == [2], "applied {:?}", report.applied);
    ensure!(
        both.apply(&url).await?.applied.is_empty(),
        "a second apply is a no-op"
    );
    let converted = rows.read_rows(&accounts).await?;
    let ages: Vec<String> = converted
        .iter()
        .map(|r| format!("{:?}", r.get("age")))
        .collect();
    ensure!(
        ages == ["Some(Int(41))", "Some(Null)", "Some(Null)"],
        "ages after the conversion: {ages:?}"
    );
    let history = driver.history().await?;
    ensure!(
        history
            .iter()
            .map(|r| (r.version, r.status))
            .collect::<Vec<_>>()
            == [(1, RecordStatus::Applied), (2, RecordStatus::Applied)],
        "history {history:?}"
    );

    ensure!(both.rollback(&url, 1).await? == [2]);
    ensure!(
        rows.fingerprint(&accounts).await? == before,
        "rollback restores every value"
    );
    let lines = lines.lock().unwrap();
    ensure!(
        lines.iter().any(|l| l.starts_with("applying migration 2")),
        "progress lines: {lines:?}"
    );
    ensure!(
        lines.iter().any(|l| l.contains("migration 2 rolled back")),
        "{lines:?}"
    );
    Ok(())
}

/// A migration the pre-flight refuses changes nothing and comes back as a refusal (exit 3).
#[tokio::test]
async fn a_refused_migration_runs_nothing() -> anyhow::Result<()> {
    let (dir, url, driver) = accounts("refused", "(1, NULL)").await?;
    std::fs::write(
        dir.join("migrations/0002_email_required.toml"),
        "[[step]]\nop = \"set_not_null\"\ntable = \"accounts\"\ncolumn = \"email\"\n",
    )?;
    let before = driver.inspect().await?;
    let err = Migrator::from_dir(dir.join("migrations"))?
        .apply(&url)
        .await
        .expect_err("NULLs block NOT NULL without a fill");
    ensure!(
        err.refusal_kinds() == [strata::RefusalKind::Nulls] && err.exit_code() == 3,
        "{err}"
    );
    ensure!(driver.inspect().await? == before, "nothing changed");
    Ok(())
}

/// The password of a URL never shows in an error or a progress line.
#[tokio::test]
async fn a_password_never_shows() -> anyhow::Result<()> {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let migrator = Migrator::from_dir(fixtures())?
        .lock_timeout(std::time::Duration::ZERO)
        .on_progress({
            let lines = Arc::clone(&lines);
            move |l| lines.lock().unwrap().push(l.to_owned())
        });
    for url in [
        "postgres://postgres:S3cretPw@127.0.0.1:1/test?connect_timeout=2",
        "postgres://postgres:S3cretPw@127.0.0.1:notaport/test",
        "postgres://postgres@127.0.0.1:1/test?password=S3cretPw&connect_timeout=2",
        "mysql://root:S3cretPw@127.0.0.1:1/test?connect_timeout=2",
        "mysql://root:S3cretPw@127.0.0.1:70000/test",
        "mongodb://u:S3cretPw@127.0.0.1:1/db?serverSelectionTimeoutMS=2000",
        "mongodb://u:S3cretPw@127.0.0.1:1,localhost:1/db?serverSelectionTimeoutMS=2000",
    ] {
        let err = migrator
            .apply(url)
            .await
            .expect_err("nothing listens there");
        let shown = format!("{err} / {err:?}");
        ensure!(!shown.contains("S3cretPw"), "{url}: {shown}");
    }
    ensure!(lines
        .lock()
        .unwrap()
        .iter()
        .all(|l| !l.contains("S3cretPw")));
    Ok(())
}

/// `backup_dir`: after applying, the backups of each migration applied are written as files,
/// as `strata apply --backup-dir` writes them, and the report names their manifests.
#[tokio::test]
async fn backups_are_written_to_a_directory() -> anyhow::Result<()> {
    let (dir, url, _driver) = accounts("backup-dir", "(1, 'a@x'), (2, 'b@x')").await?;
    std::fs::write(
        dir.join("migrations/0002_no_email.toml"),
        "[[step]]\nop = \"drop_column\"\ntable = \"accounts\"\ncolumn = \"email\"\n",
    )?;
    let report = Migrator::from_dir(dir.join("migrations"))?
        .backup_dir(dir.join("backups"))
        .apply(&url)
        .await?;
    ensure!(report.applied == [2], "applied {:?}", report.applied);
    let [(version, manifest)] = report.backup_files.as_slice() else {
        anyhow::bail!("backup files: {:?}", report.backup_files);
    };
    ensure!(*version == 2 && manifest.starts_with(dir.join("backups")));
    let text = std::fs::read_to_string(manifest)?;
    ensure!(
        text.contains("\"rows\": 2") || text.contains("\"rows\":2"),
        "{text}"
    );
    Ok(())
}
