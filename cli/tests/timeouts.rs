//! A server that accepts the connection and never answers, and a statement or a lock that
//! takes too long: each fails within its timeout with a message that says which, on
//! PostgreSQL and MariaDB, from the URL and from `strata.toml`.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use anyhow::ensure;
use common::{code, strata_command, text, Engine};

/// A TCP server that accepts connections and never says a word.
fn silent_server() -> anyhow::Result<(TcpListener, u16)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

fn migrations_dir(name: &str, files: &[(&str, &str)]) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("strata-timeouts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations"))?;
    for (file, body) in files {
        std::fs::write(dir.join("migrations").join(file), body)?;
    }
    Ok(dir)
}

#[test]
fn a_silent_server_fails_within_the_connect_timeout() -> anyhow::Result<()> {
    let (_listener, port) = silent_server()?;
    let dir = migrations_dir("silent", &[])?;
    for scheme in ["postgres://postgres", "mysql://root"] {
        // From the URL.
        let url = format!("{scheme}@127.0.0.1:{port}/x?connect_timeout=1");
        let started = Instant::now();
        let out = strata_command(&["--url", &url, "status"])
            .current_dir(&dir)
            .output()?;
        let took = started.elapsed();
        ensure!(
            code(&out) == 1
                && text(&out).contains("no answer within 1 s")
                && text(&out).contains("connect_timeout"),
            "{scheme}: {}",
            text(&out)
        );
        ensure!(took < Duration::from_secs(5), "{scheme}: took {took:?}");
        // From strata.toml.
        std::fs::write(
            dir.join("strata.toml"),
            format!("url = \"{scheme}@127.0.0.1:{port}/x\"\n[timeouts]\nconnect = 2\n"),
        )?;
        let started = Instant::now();
        let out = strata_command(&["status"]).current_dir(&dir).output()?;
        let took = started.elapsed();
        ensure!(
            code(&out) == 1 && text(&out).contains("no answer within 2 s"),
            "{scheme} via strata.toml: {}",
            text(&out)
        );
        ensure!(took < Duration::from_secs(6), "{scheme}: took {took:?}");
        std::fs::remove_file(dir.join("strata.toml"))?;
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn a_long_statement_stops_at_the_statement_timeout() -> anyhow::Result<()> {
    for (engine, sleep, refusal) in [
        (
            Engine::Postgres,
            "postgres = \"SELECT pg_sleep(30)\"",
            "statement timeout",
        ),
        (
            Engine::Mysql,
            "mysql = \"SELECT SLEEP(30) FROM (SELECT 1) t\"",
            "max_statement_time",
        ),
    ] {
        let url = engine.create_database().await?;
        let body = format!(
            "[[step]]\nop = \"sql\"\n{sleep}\ndown = {{ {} = \"SELECT 1\" }}\n",
            engine.name()
        );
        let dir = migrations_dir(engine.name(), &[("0001_sleep.toml", &body)])?;
        let limited = format!("{url}?statement_timeout=1");
        let started = Instant::now();
        let out = strata_command(&["--url", &limited, "apply", "--yes"])
            .current_dir(&dir)
            .output()?;
        let took = started.elapsed();
        ensure!(
            code(&out) == 1 && text(&out).contains(refusal),
            "{engine:?}: {}",
            text(&out)
        );
        ensure!(took < Duration::from_secs(15), "{engine:?}: took {took:?}");
        let _ = std::fs::remove_dir_all(dir);
        engine.drop_database(&url).await?;
    }
    Ok(())
}
