//! Passwords never appear: every command, with every URL shape, given by `--url`,
//! `DATABASE_URL` and `strata.toml`; stdout, stderr, `--json`, written guides, file backups and
//! history rows are searched for the password.

mod common;

use std::path::Path;
use std::process::Output;

use anyhow::ensure;
use common::{strata_command, text, Project};

const PW: &str = "S3cretPw";

/// How the URL reaches strata.
#[derive(Debug, Clone, Copy)]
enum Via {
    Flag,
    Env,
    ConfigFile,
}

const VIAS: [Via; 3] = [Via::Flag, Via::Env, Via::ConfigFile];

/// `strata ARGS…` in `dir` with `url` given `via`.
fn run_in(dir: &Path, url: &str, via: Via, args: &[&str]) -> Output {
    let mut full: Vec<&str> = Vec::new();
    if let Via::Flag = via {
        full.extend(["--url", url]);
    }
    full.extend(args);
    let mut cmd = strata_command(&full);
    cmd.current_dir(dir);
    match via {
        Via::Env => {
            cmd.env("DATABASE_URL", url);
        }
        Via::ConfigFile => {
            let quoted = toml::Value::String(url.to_owned()).to_string();
            std::fs::write(dir.join("strata.toml"), format!("url = {quoted}\n"))
                .expect("writing strata.toml");
        }
        Via::Flag => {}
    }
    let out = cmd.output().expect("running strata");
    let _ = std::fs::remove_file(dir.join("strata.toml"));
    out
}

/// Fails when `what` holds the password in any spelling strata could print.
fn ensure_clean(what: &str, text: &str) -> anyhow::Result<()> {
    for needle in [PW, "S3cret%50w", "S3cret"] {
        ensure!(!text.contains(needle), "{what} shows the password:\n{text}");
    }
    Ok(())
}

/// Every file under `dir`, read as text.
fn files_text(dir: &Path) -> String {
    let mut all = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return all;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            all.push_str(&files_text(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}

/// URLs no parser accepts, or that cannot connect: each must fail without the password.
fn broken_shapes() -> Vec<String> {
    [
        "postgres://postgres:S3cretPw@127.0.0.1:notaport/x",
        "postgres://postgres:S3cretPw@127.0.0.1:99999/x",
        "mysql://root:S3cretPw@127.0.0.1:70000/test",
        "mongodb://u:S3cretPw@127.0.0.1:99999/db",
        "postgresql://postgres:S3cretPw@/db?host=/nonexistent-socket-dir",
        "postgres://postgres:S3cretPw@127.0.0.1:1,127.0.0.1:2/x",
        "postgres://postgres@127.0.0.1:1/x?password=S3cretPw",
        "mysql://root@127.0.0.1:1/test?password=S3cretPw",
        "mysql://root:S3cretPw@127.0.0.1:3306/test",
        "mongodb://u:S3cretPw@127.0.0.1:27017,localhost:27017/db",
        "postgres://postgres:S3cret%50w@127.0.0.1:notaport/x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn urls_that_fail_never_show_the_password() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("strata-secrets-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("migrations"))?;
    std::fs::write(
        dir.join("migrations/0001_t.toml"),
        "[[step]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"int64\", primary_key = true }]\n",
    )?;
    for url in broken_shapes() {
        for via in VIAS {
            // Every command connects first, the same way: one of each kind of output.
            for args in [
                &["status"][..],
                &["--json", "plan"],
                &["apply", "--yes"],
                &["guide", "--output", "guide.md"],
            ] {
                let out = run_in(&dir, &url, via, args);
                ensure!(
                    !out.status.success(),
                    "{url} via {via:?}: {args:?} succeeded"
                );
                ensure_clean(&format!("{url} via {via:?}: {args:?}"), &text(&out))?;
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn every_command_on_a_working_url_never_shows_the_password() -> anyhow::Result<()> {
    let p = Project::acceptance().await?;
    // Trust authentication ignores the password, so both shapes connect.
    let shapes = [
        p.url.replacen("postgres@", &format!("postgres:{PW}@"), 1),
        format!("{}?password={PW}&application_name=strata-secrets", p.url),
    ];
    for (i, url) in shapes.iter().enumerate() {
        let via = VIAS[i % VIAS.len()];
        let backups = p.dir.join(format!("backups-{i}"));
        let guide = p.dir.join(format!("guide-{i}.md"));
        let guide_arg = guide.display().to_string();
        let backups_arg = backups.display().to_string();
        for args in [
            &["status"][..],
            &["--json", "status"],
            &["plan"],
            &["--json", "plan"],
            &["guide"],
            &["guide", "--output", &guide_arg],
            &["apply", "--yes", "--backup-dir", &backups_arg],
            &["status"],
            &["verify"],
            &["--json", "verify"],
            &["monitor"],
            &["--json", "monitor"],
            &["backups", "list"],
            &["rollback", "--yes"],
        ] {
            let out = run_in(&p.dir, url, via, args);
            ensure!(
                out.status.success(),
                "{args:?} via {via:?} failed: {}",
                text(&out)
            );
            ensure_clean(&format!("{args:?} via {via:?}"), &text(&out))?;
        }
        let guide_text = std::fs::read_to_string(&guide)?;
        ensure!(
            guide_text.contains("**Database:**") && guide_text.contains("***"),
            "the guide names no redacted database:\n{guide_text}"
        );
        ensure_clean("the guide", &guide_text)?;
        ensure_clean("the file backups", &files_text(&backups))?;
        let history = serde_json::to_string(&p.ctx.driver.history().await?)?;
        ensure!(
            history.contains("users_cleanup"),
            "no history read: {history}"
        );
        ensure_clean("the history rows", &history)?;
    }
    p.finish().await
}
