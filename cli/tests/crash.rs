//! SIGKILL during `strata apply`, on PostgreSQL and on MariaDB: at every action boundary (the
//! process held there by a failpoint) and at random moments; on MongoDB, spread over a long
//! apply whose updates span thousands of documents. After each kill, `apply` yields
//! exactly the result of an uninterrupted run, and `rollback` instead yields exactly the
//! original.

mod common;

use std::time::Duration;

use anyhow::ensure;
use common::{code, text, Engine, Project, Running};
use strata_conformance::State;
use strata_core::history::RecordStatus;

/// Uninterrupted apply: the reference result. Leaves the database rolled back.
async fn reference(p: &Project) -> anyhow::Result<(State, State, i32)> {
    let before = p.state().await?;
    let out = p.run(&["apply", "--yes"]);
    ensure!(code(&out) == 0, "{}", text(&out));
    let after = p.state().await?;
    let actions = p
        .ctx
        .driver
        .history()
        .await?
        .iter()
        .find(|r| r.version == 2)
        .map_or(0, |r| r.actions_total);
    ensure!(code(&p.run(&["rollback", "--yes"])) == 0);
    ensure!(p.state().await? == before);
    Ok((before, after, actions))
}

/// After a kill: complete with `apply` (then roll back), or undo with `rollback`.
async fn recover(
    p: &Project,
    complete: bool,
    before: &State,
    after: &State,
    what: &str,
) -> anyhow::Result<()> {
    if complete {
        let out = p.run(&["apply", "--yes", "--lock-timeout", "10"]);
        ensure!(code(&out) == 0, "apply after {what}: {}", text(&out));
        let now = p.state().await?;
        ensure!(
            &now == after,
            "apply after {what} differs from an uninterrupted run:\n{}{}",
            strata_conformance::catalog_differences(&after.catalog, &now.catalog).join("\n"),
            if now.data != after.data || now.schema != after.schema {
                format!("\ndata or schema view: {:?}\nvs {:?}", now.data, after.data)
            } else {
                String::new()
            }
        );
        let out = p.run(&["rollback", "--yes", "--lock-timeout", "10"]);
        ensure!(
            code(&out) == 0,
            "rollback after completing {what}: {}",
            text(&out)
        );
    } else {
        let active = p
            .ctx
            .driver
            .history()
            .await?
            .iter()
            .any(|r| r.version == 2 && r.status != RecordStatus::RolledBack);
        if active {
            let out = p.run(&["rollback", "--yes", "--lock-timeout", "10"]);
            ensure!(code(&out) == 0, "rollback after {what}: {}", text(&out));
        }
    }
    p.ctx
        .assert_restored(before)
        .await
        .map_err(|e| anyhow::anyhow!("after {what}: {e}"))
}

fn started(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("  [")).count()
}

/// Kills `strata apply` held by a failpoint before action `n + 1`; returns whether it had
/// finished by itself instead.
async fn kill_before_action(p: &Project, n: usize) -> anyhow::Result<bool> {
    let failpoint = format!("before-action={n}*off->sleep(60000)");
    // A killed run's session may outlive it for a moment on the server: wait for its lock.
    let mut run = Running::spawn(p.command(
        &["apply", "--yes", "--lock-timeout", "10"],
        &[("FAILPOINTS", &failpoint)],
    ));
    run.wait_for(|l| l.iter().any(|x| x.starts_with("applying migration")) && started(l) >= n);
    std::thread::sleep(Duration::from_millis(400));
    let (exited, status) = run.kill();
    ensure!(
        !exited || status == Some(0),
        "apply exited {status:?} with failpoint {failpoint}"
    );
    Ok(exited)
}

/// For every action boundary: kill there, complete with `apply`; kill there again, undo with
/// `rollback`.
async fn sigkill_at_every_action_boundary(engine: Engine) -> anyhow::Result<()> {
    let p = Project::acceptance_on(engine).await?;
    let (before, after, actions) = reference(&p).await?;
    let mut partial_seen = false;
    for n in 0.. {
        for complete in [true, false] {
            if kill_before_action(&p, n).await? {
                ensure!(
                    p.state().await? == after,
                    "uninterrupted apply differs from the reference"
                );
                ensure!(
                    n as i32 >= actions,
                    "apply finished before action {} of {actions}: the failpoint did not hold it",
                    n + 1
                );
                ensure!(partial_seen, "no kill left the migration partially applied");
                return p.finish().await;
            }
            let history = p.ctx.driver.history().await?;
            if let Some(r) = history
                .iter()
                .find(|r| r.version == 2 && r.status == RecordStatus::Running)
            {
                partial_seen = true;
                if engine == Engine::Postgres {
                    ensure!(
                        r.actions_done == r.actions_total - 1,
                        "only the online index may be pending: {r:?}"
                    );
                }
                let expected = format!("partial ({}/{} actions)", r.actions_done, r.actions_total);
                let status = p.run(&["status"]);
                ensure!(
                    text(&status).contains(&expected),
                    "status lacks {expected:?}:\n{}",
                    text(&status)
                );
            }
            recover(
                &p,
                complete,
                &before,
                &after,
                &format!("SIGKILL before action {}", n + 1),
            )
            .await?;
        }
    }
    unreachable!("the loop returns once apply runs to the end")
}

async fn sigkill_at_random_moments(engine: Engine) -> anyhow::Result<()> {
    let p = Project::acceptance_on(engine).await?;
    let (before, after, _) = reference(&p).await?;
    for i in 0..8u64 {
        let delay = Duration::from_millis(random_ms(i));
        kill_after(&p, delay, "10", i % 2 == 0, &before, &after).await?;
    }
    p.finish().await
}

/// Kills `strata apply` (waiting up to `lock_timeout` seconds for the lock) after `delay`,
/// then completes it with `apply` or undoes it with `rollback` (see [`recover`]).
async fn kill_after(
    p: &Project,
    delay: Duration,
    lock_timeout: &str,
    complete: bool,
    before: &State,
    after: &State,
) -> anyhow::Result<()> {
    let run = Running::spawn(p.command(&["apply", "--yes", "--lock-timeout", lock_timeout], &[]));
    std::thread::sleep(delay);
    let (exited, status) = run.kill();
    if exited {
        ensure!(status == Some(0), "apply exited {status:?}");
    }
    recover(
        p,
        complete,
        before,
        after,
        &format!("SIGKILL after {delay:?}"),
    )
    .await
}

fn random_ms(i: u64) -> u64 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(i * 1442695040888963407)
        >> 33)
        % 250
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_sigkill_at_every_action_boundary() -> anyhow::Result<()> {
    sigkill_at_every_action_boundary(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_sigkill_at_every_action_boundary() -> anyhow::Result<()> {
    sigkill_at_every_action_boundary(Engine::Mysql).await
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_sigkill_at_random_moments() -> anyhow::Result<()> {
    sigkill_at_random_moments(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_sigkill_at_random_moments() -> anyhow::Result<()> {
    sigkill_at_random_moments(Engine::Mysql).await
}

/// Kills `strata apply` while the server runs its statement (a `sql` step sleeping 4 s): the
/// server keeps the killed runner's session, and its lock, until the statement ends. A plain
/// `strata apply` right after waits, names the holder and its statement once, then completes
/// the migration; `status` shows the holder meanwhile.
async fn kill_mid_statement_then_plain_apply(engine: Engine) -> anyhow::Result<()> {
    let p = Project::acceptance_on(engine).await?;
    std::fs::write(
        p.migration("0003_slow.toml"),
        r#"
[[step]]
op = "sql"
postgres = "SELECT pg_sleep(4)"
mysql = "DO SLEEP(4)"
down = { postgres = "SELECT 1", mysql = "DO 0" }
"#,
    )?;
    let mut run = Running::spawn(p.command(&["apply", "--yes"], &[]));
    run.wait_for(|l| {
        l.iter()
            .any(|x| x.starts_with("applying migration 3") || x.contains("migration 3 ("))
            && l.iter().any(|x| x.contains("step 1: run the "))
    });
    std::thread::sleep(Duration::from_millis(500));
    let (exited, _) = run.kill();
    ensure!(!exited, "apply finished before the kill");

    let status = p.run(&["status"]);
    ensure!(
        text(&status).contains("held by"),
        "status does not show the killed runner's lock:\n{}",
        text(&status)
    );
    let started = std::time::Instant::now();
    let out = p.run(&["apply", "--yes"]);
    let waited = started.elapsed();
    ensure!(
        code(&out) == 0,
        "plain apply after the kill: {}",
        text(&out)
    );
    let said = text(&out);
    let sleep = if engine == Engine::Postgres {
        "pg_sleep(4)"
    } else {
        "SLEEP(4)"
    };
    ensure!(
        said.matches("is held by").count() == 1
            && said.contains(&format!(
                "running: {}",
                if engine == Engine::Postgres {
                    "SELECT "
                } else {
                    "DO "
                }
            ))
            && said.contains(sleep),
        "the waiting runner does not name the holder and its statement once:\n{said}"
    );
    ensure!(
        waited >= Duration::from_millis(1500),
        "apply did not wait for the killed runner's statement ({waited:?}):\n{said}"
    );
    let history = p.ctx.driver.history().await?;
    ensure!(
        [2, 3].iter().all(|v| history
            .iter()
            .any(|r| r.version == *v && r.status == RecordStatus::Applied)),
        "not applied: {history:?}"
    );
    p.finish().await
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_kill_mid_statement_then_plain_apply() -> anyhow::Result<()> {
    kill_mid_statement_then_plain_apply(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_kill_mid_statement_then_plain_apply() -> anyhow::Result<()> {
    kill_mid_statement_then_plain_apply(Engine::Mysql).await
}

/// MongoDB, killed while it removes a field from thousands of documents (issue 10, item 5:
/// the next apply failed with `WriteConflict` within a minute of the kill, and a rollback hung):
/// kills spread over the reference run's duration, each followed at once by `apply` (then
/// `rollback`) or by `rollback`, which retry the server's transient errors and end exact.
#[tokio::test(flavor = "multi_thread")]
async fn mongodb_sigkill_during_long_updates() -> anyhow::Result<()> {
    use strata_core::Value::{Int, Text};
    let p = Project::acceptance_on(Engine::Mongodb).await?;
    let rows: Vec<_> = (1000..4000)
        .map(|i| {
            strata_conformance::row(&[
                ("id", Int(i)),
                ("email", Text(format!("u{i}@x"))),
                ("age", Text("40".into())),
                ("legacy_flags", Int(1)),
                ("name", Text("n".into())),
            ])
        })
        .collect();
    p.ctx.insert("users", &rows).await?;
    let started = std::time::Instant::now();
    let (before, after, _) = reference(&p).await?;
    let took = started.elapsed().as_millis() as u64 / 2;
    for i in 0..4u64 {
        let delay = Duration::from_millis(took * (i + 1) / 5 + random_ms(i) % 50);
        kill_after(&p, delay, "30", i % 2 == 0, &before, &after).await?;
    }
    p.finish().await
}
