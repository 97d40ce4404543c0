//! Many trivial migrations in one `apply`, against the migration tools whose whole job is to
//! run them: `sqlx migrate run` and `dbmate up`, when installed (`cargo install sqlx-cli
//! --no-default-features --features postgres,rustls`; `npm install dbmate`, found in
//! `node_modules/.bin` of the current directory, of `/tmp/dbmate` or on `PATH`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::engines::{Kind, ENGINES};
use crate::{strata, tempdir};

fn on_path(name: &str) -> Option<PathBuf> {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .collect();
    dirs.extend([
        Path::new(&home).join(".cargo/bin"),
        PathBuf::from("node_modules/.bin"),
        PathBuf::from("/tmp/dbmate/node_modules/.bin"),
    ]);
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.exists())
}

fn timed(cmd: &mut Command) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let out = cmd.output()?;
    let took = started.elapsed();
    if !out.status.success() {
        bail!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(took)
}

fn create_table(i: usize) -> String {
    format!("CREATE TABLE t{i:04} (id bigint PRIMARY KEY, name text NOT NULL)")
}

/// The section of `docs/benchmarks.md` on `counts` trivial migrations each, on PostgreSQL.
pub async fn trivial_migrations(bin: &Path, counts: &[usize]) -> anyhow::Result<String> {
    let pg = ENGINES
        .iter()
        .find(|e| e.kind == Kind::Postgres)
        .expect("PostgreSQL");
    let sqlx = on_path("sqlx");
    let dbmate = on_path("dbmate");
    let mut rows = String::new();
    let mut strata_times = Vec::new();
    let mut sqlx_times = Vec::new();
    for &n in counts {
        eprintln!("{n} trivial migrations …");
        // strata
        let dir = tempdir("trivial")?;
        for i in 1..=n {
            std::fs::write(
                dir.join(format!("{i:04}_t{i:04}.toml")),
                format!(
                    "[[step]]\nop = \"create_table\"\ntable = \"t{i:04}\"\ncolumns = [\n  {{ name = \"id\", type = \"int64\", primary_key = true }},\n  {{ name = \"name\", type = \"text\", nullable = false }},\n]\n"
                ),
            )?;
        }
        let url = pg.create().await?;
        let run = strata(
            bin,
            &[
                "--url",
                &url,
                "--dir",
                &dir.display().to_string(),
                "apply",
                "--yes",
            ],
        );
        pg.destroy(&url).await?;
        std::fs::remove_dir_all(&dir)?;
        let run = run?;
        strata_times.push((n, run.took));
        // sqlx
        let sqlx_took = match &sqlx {
            Some(sqlx) => {
                let dir = tempdir("sqlx")?;
                for i in 1..=n {
                    std::fs::write(
                        dir.join(format!("{i:04}_t{i:04}.sql")),
                        format!("{};\n", create_table(i)),
                    )?;
                }
                let url = pg.create().await?;
                let took = timed(Command::new(sqlx).args([
                    "migrate",
                    "run",
                    "--source",
                    &dir.display().to_string(),
                    "--database-url",
                    &url,
                ]));
                pg.destroy(&url).await?;
                std::fs::remove_dir_all(&dir)?;
                Some(took?)
            }
            None => None,
        };
        // dbmate
        let dbmate_took = match &dbmate {
            Some(dbmate) => {
                let dir = tempdir("dbmate")?;
                for i in 1..=n {
                    std::fs::write(
                        dir.join(format!("{i:04}_t{i:04}.sql")),
                        format!(
                            "-- migrate:up\n{};\n\n-- migrate:down\nDROP TABLE t{i:04};\n",
                            create_table(i)
                        ),
                    )?;
                }
                let url = pg.create().await?;
                let took = timed(Command::new(dbmate).args([
                    "--url",
                    &format!("{url}?sslmode=disable"),
                    "--migrations-dir",
                    &dir.display().to_string(),
                    "--no-dump-schema",
                    "up",
                ]));
                pg.destroy(&url).await?;
                std::fs::remove_dir_all(&dir)?;
                Some(took?)
            }
            None => None,
        };
        sqlx_times.extend(sqlx_took.map(|t| (n, t)));
        let peer = |t: Option<Duration>| match t {
            Some(t) => format!(
                "{:.2} s | **{:.2}×**",
                t.as_secs_f64(),
                run.took.as_secs_f64() / t.as_secs_f64()
            ),
            None => "not installed | –".into(),
        };
        let line = format!(
            "| {n} | {:.2} s | {} MiB | {} | {} |",
            run.took.as_secs_f64(),
            run.peak_kib / 1024,
            peer(sqlx_took),
            peer(dbmate_took)
        );
        eprintln!("{line}");
        let _ = writeln!(rows, "{line}");
    }
    let growth = match strata_times.as_slice() {
        [.., (a, ta), (b, tb)] => {
            let sqlx = match sqlx_times.as_slice() {
                [.., (_, sa), (_, sb)] => format!(
                    " (sqlx, on the same server: **{:.2}×**; each `CREATE TABLE` costs the server more as the catalog grows)",
                    sb.as_secs_f64() / sa.as_secs_f64()
                ),
                _ => String::new(),
            };
            format!(
                "\n{b} migrations took **{:.2}×** the time of {a}{sqlx}.\n",
                tb.as_secs_f64() / ta.as_secs_f64()
            )
        }
        _ => String::new(),
    };
    Ok(format!(
        "## Many trivial migrations in one apply (PostgreSQL)\n\n\
         N migrations of one `create_table` each (two columns), applied by one command on an empty \
         database: `strata apply --yes` (which also plans, checks the server and journals each), \
         `sqlx migrate run` (sqlx-cli, files of one `CREATE TABLE`), `dbmate up`. Ratios are strata's \
         time over the peer's.\n\n\
         | migrations | strata | peak | sqlx | strata / sqlx | dbmate | strata / dbmate |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n{rows}{growth}\n"
    ))
}
