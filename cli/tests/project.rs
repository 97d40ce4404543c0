//! The README's example project and `strata new`.

mod common;

use anyhow::ensure;
use common::{code, text, Engine};

fn strata(args: &[&str]) -> std::process::Output {
    common::strata(args, &[])
}

/// The README's example project, on every engine: seed, plan (the same live counts
/// everywhere), apply, status, verify, roll everything back.
async fn example_project(engine: Engine) -> anyhow::Result<()> {
    let url = engine.create_database().await?;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/shop/migrations");
    let base = ["--url", url.as_str(), "--dir", dir];
    let run = |extra: &[&str]| strata(&[&base[..], extra].concat());

    let seed = run(&["apply", "--yes", "--to", "2"]);
    ensure!(code(&seed) == 0, "{}", text(&seed));
    let plan = run(&["plan"]);
    for needle in [
        "values that will not convert: 2",
        "NULLs: 2",
        "orphan rows: 2",
        "rows destroyed (backed up): 3",
    ] {
        ensure!(
            text(&plan).contains(needle),
            "{engine:?}: plan lacks {needle:?}: {}",
            text(&plan)
        );
    }
    let apply = run(&["apply", "--yes"]);
    ensure!(code(&apply) == 0, "{}", text(&apply));
    let status = run(&["--json", "status"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout)?;
    ensure!(
        status["lock"].is_null(),
        "no runner holds the lock: {status}"
    );
    let states: Vec<String> = status["migrations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["state"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ensure!(
        states == ["applied", "applied", "applied"],
        "states: {states:?}"
    );
    let verify = run(&["verify"]);
    ensure!(code(&verify) == 0, "{}", text(&verify));
    let back = run(&["rollback", "--yes", "--to", "0"]);
    ensure!(code(&back) == 0, "{}", text(&back));
    ensure!(
        text(&run(&["status"])).matches("pending").count() == 3,
        "{}",
        text(&run(&["status"]))
    );
    engine.drop_database(&url).await
}

#[tokio::test]
async fn the_example_project_on_postgres() -> anyhow::Result<()> {
    example_project(Engine::Postgres).await
}

#[tokio::test]
async fn the_example_project_on_mysql() -> anyhow::Result<()> {
    example_project(Engine::Mysql).await
}

#[tokio::test]
async fn the_example_project_on_sqlite() -> anyhow::Result<()> {
    example_project(Engine::Sqlite).await
}

#[tokio::test]
async fn the_example_project_on_mongodb() -> anyhow::Result<()> {
    example_project(Engine::Mongodb).await
}

#[test]
fn new_scaffolds_migrations_that_parse() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("strata-new-{}", std::process::id()));
    let d = dir.to_str().expect("utf-8 path");
    for (name, format, file) in [
        ("add_users", "toml", "0001_add_users.toml"),
        ("more", "yaml", "0002_more.yaml"),
        ("again", "json", "0003_again.json"),
    ] {
        let out = strata(&["--dir", d, "new", name, "--format", format]);
        ensure!(
            code(&out) == 0 && text(&out).contains(file),
            "{}",
            text(&out)
        );
    }
    let parsed = strata_core::migration::discover(&dir)?;
    ensure!(
        parsed.iter().map(|m| m.version).collect::<Vec<_>>() == [1, 2, 3],
        "{parsed:?}"
    );
    let bad = strata(&["--dir", d, "new", "no spaces"]);
    ensure!(code(&bad) == 2, "{}", text(&bad));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Input that used to be read wrongly or skipped without a word: each gets a clear error (or
/// message) naming what is wrong.
#[test]
fn bad_input_is_named() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("strata-bad-input-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("m"))?;
    let db = format!("sqlite://{}?mode=rwc", dir.join("x.db").display());
    let dir_arg = dir.join("m").display().to_string();
    let run =
        |extra: &[&str]| strata(&[&["--url", db.as_str(), "--dir", &dir_arg][..], extra].concat());
    let table = |t: &str| {
        format!("[[step]]\nop = \"create_table\"\ntable = \"{t}\"\ncolumns = [{{ name = \"id\", type = \"int64\", primary_key = true }}]\n")
    };

    // Versions that are no versions.
    for bad in ["9223372036854775808_x.toml", "0x10_x.toml", "1.5_x.toml"] {
        std::fs::write(dir.join("m").join(bad), table("t"))?;
        let out = run(&["status"]);
        ensure!(
            code(&out) == 1 && text(&out).contains(bad) && text(&out).contains("version"),
            "{bad}: {}",
            text(&out)
        );
        std::fs::remove_file(dir.join("m").join(bad))?;
    }

    // `apply --to 0` with migrations pending above it.
    std::fs::write(dir.join("m/0001_a.TOML"), table("a"))?;
    std::fs::write(dir.join("m/0002_b.toml"), table("b"))?;
    let out = run(&["apply", "--yes", "--to", "0"]);
    ensure!(
        code(&out) == 0
            && text(&out)
                .contains("nothing to apply up to version 0: 2 pending migrations above it (1, 2)"),
        "{}",
        text(&out)
    );

    // A dangling link with a migration extension.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("gone.toml"), dir.join("m/0003_c.toml"))?;
        let out = run(&["plan"]);
        ensure!(
            code(&out) == 1 && text(&out).contains("0003_c.toml: is a symbolic link to nothing"),
            "{}",
            text(&out)
        );
        std::fs::remove_file(dir.join("m/0003_c.toml"))?;
    }

    // An engine that does not match the URL.
    let out = strata(&[
        "--engine",
        "postgres",
        "--url",
        "mysql://root@127.0.0.1:1/x",
        "--dir",
        &dir_arg,
        "status",
    ]);
    ensure!(
        code(&out) == 2
            && text(&out).contains("--engine postgres does not match the URL's scheme `mysql://`"),
        "{}",
        text(&out)
    );

    // Defaults and fills that are no values of their column's type, named with their field.
    std::fs::write(
        dir.join("m/0003_c.toml"),
        "[[step]]\nop = \"add_column\"\ntable = \"a\"\ncolumn = \"n\"\ntype = \"int32\"\ndefault = 2147483648\n",
    )?;
    let out = run(&["plan"]);
    ensure!(
        code(&out) == 1
            && text(&out).contains(
                "0003_c.toml: step 1 (add_column): field `default`: 2147483648 does not fit int32"
            ),
        "{}",
        text(&out)
    );
    std::fs::write(
        dir.join("m/0003_c.toml"),
        "[[step]]\nop = \"add_column\"\ntable = \"a\"\ncolumn = \"s\"\ntype = \"string(3)\"\n\n[[step]]\nop = \"set_default\"\ntable = \"a\"\ncolumn = \"s\"\nvalue = \"toolong\"\n",
    )?;
    let out = run(&["plan"]);
    ensure!(
        code(&out) == 3
            && text(&out).contains(
                "field `value`: \"toolong\" is 7 characters long; string(3) holds at most 3"
            ),
        "{}",
        text(&out)
    );

    // A refused plan exits 3, as apply does.
    std::fs::write(
        dir.join("m/0003_c.toml"),
        "[[step]]\nop = \"drop_table\"\ntable = \"nowhere\"\n",
    )?;
    let out = run(&["plan"]);
    ensure!(
        code(&out) == 3 && text(&out).contains("REFUSED"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
