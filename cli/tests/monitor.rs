//! `strata monitor` shows a lock chain: a session holding a row lock in an open transaction,
//! and another waiting for it — on PostgreSQL and MariaDB.

mod common;

use std::time::Duration;

use anyhow::ensure;
use common::{code, strata, text, Engine};
use strata_core::{registry, Statement};

fn sql(s: &str) -> Statement {
    Statement::Sql(s.to_owned())
}

async fn lock_chain_is_shown(engine: Engine) -> anyhow::Result<()> {
    let url = engine.create_database().await?;
    let holder = registry::connect(Some(engine.name()), &url).await?;
    holder
        .execute(&sql(
            "CREATE TABLE accounts (id integer PRIMARY KEY, balance integer)",
        ))
        .await?;
    holder
        .execute(&sql("INSERT INTO accounts VALUES (1, 100)"))
        .await?;
    holder.begin().await?;
    holder
        .execute(&sql(
            "UPDATE accounts SET balance = balance - 10 WHERE id = 1",
        ))
        .await?;
    let waiter = registry::connect(Some(engine.name()), &url).await?;
    let blocked = tokio::spawn(async move {
        let r = waiter
            .execute(&sql(
                "UPDATE accounts SET balance = balance + 10 WHERE id = 1",
            ))
            .await;
        (waiter, r)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let out = strata(&["--url", &url, "--json", "monitor"], &[]);
    ensure!(code(&out) == 0, "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let waits = report["activity"]["lock_waits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let wait = waits
        .iter()
        .find(|w| {
            w["blocked_statement"]
                .as_str()
                .is_some_and(|s| s.contains("balance + 10"))
        })
        .ok_or_else(|| anyhow::anyhow!("no lock wait for the waiting UPDATE: {report:#}"))?;
    ensure!(
        wait["blocking_session"] != wait["blocked_session"]
            && wait["blocking_session"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
        "{wait:#}"
    );
    let long = report["activity"]["long_running"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        long.iter()
            .any(|s| s["session"] == wait["blocking_session"]),
        "the holder, idle in its transaction, is not listed as long-running: {report:#}"
    );
    ensure!(
        report["tables"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["table"] == "accounts")),
        "{report:#}"
    );
    let table = strata(&["--url", &url, "monitor"], &[]);
    ensure!(
        text(&table).contains("Lock waits (1)") && text(&table).contains("balance + 10"),
        "{}",
        text(&table)
    );

    holder.rollback_transaction().await?;
    let (waiter, r) = blocked.await?;
    r?;
    drop((holder, waiter));
    engine.drop_database(&url).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_monitor_shows_a_lock_chain() -> anyhow::Result<()> {
    lock_chain_is_shown(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_monitor_shows_a_lock_chain() -> anyhow::Result<()> {
    lock_chain_is_shown(Engine::Mysql).await
}

/// Monitoring is for when a migration holds locks: it must not wait behind them (table sizes
/// come from statistics, not counts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_monitor_answers_while_a_table_is_locked_exclusively() -> anyhow::Result<()> {
    let url = Engine::Postgres.create_database().await?;
    let holder = registry::connect(Some("postgres"), &url).await?;
    holder
        .execute(&sql("CREATE TABLE accounts (id integer PRIMARY KEY)"))
        .await?;
    holder.begin().await?;
    holder
        .execute(&sql("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"))
        .await?;
    let started = std::time::Instant::now();
    let out = strata(&["--url", &url, "monitor"], &[]);
    ensure!(code(&out) == 0, "{}", text(&out));
    ensure!(
        started.elapsed() < Duration::from_secs(5) && text(&out).contains("accounts"),
        "{:?}: {}",
        started.elapsed(),
        text(&out)
    );
    holder.rollback_transaction().await?;
    drop(holder);
    Engine::Postgres.drop_database(&url).await
}

/// MongoDB (`$currentOp`) and SQLite (embedded: a note) report too, with their tables.
#[tokio::test]
async fn mongodb_and_sqlite_monitors_report_their_tables() -> anyhow::Result<()> {
    for (engine, create) in [
        (
            Engine::Mongodb,
            Statement::Command(serde_json::json!({ "create": "accounts" })),
        ),
        (
            Engine::Sqlite,
            sql("CREATE TABLE accounts (id integer PRIMARY KEY)"),
        ),
    ] {
        let url = engine.create_database().await?;
        let driver = registry::connect(Some(engine.name()), &url).await?;
        driver.execute(&create).await?;
        let out = strata(&["--url", &url, "--json", "monitor"], &[]);
        ensure!(code(&out) == 0, "{engine:?}: {}", text(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        ensure!(
            report["tables"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["table"] == "accounts")),
            "{engine:?}: {report:#}"
        );
        if engine == Engine::Sqlite {
            ensure!(
                report["activity"]["notes"][0]
                    .as_str()
                    .is_some_and(|n| n.contains("SQLite is embedded")),
                "{report:#}"
            );
        }
        drop(driver);
        engine.drop_database(&url).await?;
    }
    Ok(())
}
