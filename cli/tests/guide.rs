//! `strata guide` on each engine, for the acceptance migration: the Markdown is compared with
//! a golden file (`tests/golden/guide-<engine>.md`; `STRATA_UPDATE_GOLDEN=1` rewrites them),
//! after the parts that change from run to run (dates, durations, sizes, versions, database
//! names) are masked; the live counts stay, and are also checked against the database.

mod common;

use anyhow::ensure;
use common::{code, text, Engine, Project};

/// Masks what differs between runs of the same guide.
fn normalize(markdown: &str, replace: &[(&str, &str)]) -> String {
    let mut s = markdown.to_owned();
    for (from, to) in replace {
        if !from.is_empty() {
            s = s.replace(from, to);
        }
    }
    let units = ["ms", "s", "min", "B", "KiB", "MiB", "GiB", "TiB"];
    let mut out = Vec::new();
    let words: Vec<&str> = s.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(|n| {
            n.split('\n')
                .next()
                .unwrap_or_default()
                .trim_end_matches(|c: char| ",;:.()".contains(c))
        });
        let numeric = !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.');
        let (lead, rest) = w.split_at(w.find(|c: char| c.is_ascii_digit()).unwrap_or(0));
        let numeric_after_paren =
            lead == "(" && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.');
        if (numeric || numeric_after_paren) && next.is_some_and(|n| units.contains(&n)) {
            out.push(format!("{lead}N"));
        } else if is_date(rest) {
            out.push(format!("{lead}{}", rest.replacen(&rest[..10], "<date>", 1)));
        } else if is_time(rest) {
            out.push(format!("{lead}{}", rest.replacen(&rest[..5], "<time>", 1)));
        } else {
            out.push((*w).to_owned());
        }
    }
    out.join(" ")
}

fn is_time(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 5
        && b[..5].iter().enumerate().all(|(i, c)| {
            if i == 2 {
                *c == b':'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn is_date(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

async fn guide_matches_the_database(engine: Engine) -> anyhow::Result<()> {
    let p = Project::acceptance_on(engine).await?;
    let out = p.run(&["guide"]);
    ensure!(code(&out) == 0, "{}", text(&out));
    let markdown = String::from_utf8(out.stdout.clone())?;

    for table in ["users", "orders", "sessions_legacy"] {
        let rows = p.ctx.rows(table).await?.len();
        let needle = format!("`{table}` holds {rows} rows");
        ensure!(
            markdown.contains(&needle),
            "{engine:?}: {needle:?} missing:\n{markdown}"
        );
    }
    for needle in [
        "values that will not convert: **2**",
        "NULLs: **2**",
        "orphan rows: **2**",
        "# Database Migration Guide: Schema 1 → 2",
        "strata rollback --to 1",
    ] {
        ensure!(
            markdown.contains(needle),
            "{engine:?}: {needle:?} missing:\n{markdown}"
        );
    }

    let version = p.ctx.driver.server_version().await?;
    let lock = p.ctx.driver.lock_name();
    let database = strata_core::testing::database_of(&p.url).to_owned();
    let normalized = normalize(
        &markdown,
        &[
            (&p.url, "<url>"),
            (&lock, "<lock>"),
            (&version, "<server version>"),
            (&database, "<database>"),
        ],
    );
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("guide-{}.md", engine.name()));
    if std::env::var_os("STRATA_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &normalized)?;
    } else {
        let expected = std::fs::read_to_string(&golden).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e} (STRATA_UPDATE_GOLDEN=1 writes it)",
                golden.display()
            )
        })?;
        if expected != normalized {
            let first = expected
                .lines()
                .zip(normalized.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(normalized.lines().count()));
            anyhow::bail!(
                "{engine:?}: the guide differs from {} at line {}:\n  golden: {:?}\n  now:    {:?}\n(STRATA_UPDATE_GOLDEN=1 rewrites it)",
                golden.display(),
                first + 1,
                expected.lines().nth(first),
                normalized.lines().nth(first)
            );
        }
    }
    let to_file = p.dir.join("guide.md");
    let written = p.run(&["guide", "-o", to_file.to_str().expect("UTF-8")]);
    ensure!(code(&written) == 0, "{}", text(&written));
    ensure!(std::fs::read_to_string(&to_file)?.starts_with("# Database Migration Guide"));
    p.finish().await
}

#[tokio::test]
async fn postgres_guide() -> anyhow::Result<()> {
    guide_matches_the_database(Engine::Postgres).await
}

#[tokio::test]
async fn mysql_guide() -> anyhow::Result<()> {
    guide_matches_the_database(Engine::Mysql).await
}

#[tokio::test]
async fn mongodb_guide() -> anyhow::Result<()> {
    guide_matches_the_database(Engine::Mongodb).await
}

#[tokio::test]
async fn sqlite_guide() -> anyhow::Result<()> {
    guide_matches_the_database(Engine::Sqlite).await
}

#[test]
fn normalizing_masks_dates_durations_and_sizes_only() {
    let s = normalize(
        "on 2026-11-24 18:17 UTC: about 120 ms, (8.0 KiB) and 3 rows, 4 min 10 s; db x1 (2026-11-24 18:17 UTC) (468 B).\n\nnext",
        &[("x1", "<database>")],
    );
    assert_eq!(
        s,
        "on <date> <time> UTC: about N ms, (N KiB) and 3 rows, N min N s; db <database> (<date> <time> UTC) (N B).\n\nnext"
    );
}
