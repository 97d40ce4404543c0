//! Two `strata apply` at once: exactly one applies; the other, with `--lock-timeout 0`, exits
//! 4 naming the lock and its holder, or, by default, waits and then finds nothing to do.
//! Nothing is applied twice.

mod common;

use anyhow::ensure;
use common::{code, text, Engine, Project, Running};

#[tokio::test(flavor = "multi_thread")]
async fn postgres_two_applies_one_wins() -> anyhow::Result<()> {
    two_applies_one_wins(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_two_applies_one_wins() -> anyhow::Result<()> {
    two_applies_one_wins(Engine::Mysql).await
}

async fn two_applies_one_wins(engine: Engine) -> anyhow::Result<()> {
    let p = Project::acceptance_on(engine).await?;
    let mut first = Running::spawn(p.command(
        &["apply", "--yes"],
        &[("FAILPOINTS", "after-action=5*off->1*sleep(3000)->off")],
    ));
    // The failpoint holds the runner, lock taken, after its fifth action.
    first.wait_for(|l| l.iter().any(|x| x.starts_with("  [5/")));
    std::thread::sleep(std::time::Duration::from_millis(300));

    let second = p.run(&["apply", "--yes", "--lock-timeout", "0"]);
    ensure!(
        code(&second) == 4,
        "second runner: exit {} {}",
        code(&second),
        text(&second)
    );
    ensure!(
        text(&second).contains(&p.ctx.driver.lock_name())
            && text(&second).contains("held by another strata runner: "),
        "{}",
        text(&second)
    );

    let waiting = Running::spawn(p.command(&["apply", "--yes"], &[]));
    let (first_code, lines) = first.wait();
    ensure!(first_code == 0, "first runner: {lines:?}");
    let (third_code, _) = waiting.wait();
    ensure!(third_code == 0, "the waiting runner failed");

    let history = p.ctx.driver.history().await?;
    let runs: Vec<_> = history.iter().filter(|r| r.version == 2).collect();
    ensure!(
        runs.len() == 1 && runs[0].actions_done == runs[0].actions_total,
        "history: {runs:?}"
    );
    // Every backup the run's journal made is there, and nothing else: five, or fewer where
    // the driver puts the steps on users in one copy.
    let mut made: Vec<String> = runs[0]
        .journal
        .iter()
        .filter_map(|e| e.action.backup_object.clone())
        .map(|o| o.rsplit('.').next().unwrap_or(&o).to_owned())
        .collect();
    made.sort();
    let backups = p.ctx.backup_names().await?;
    ensure!(
        backups == made && (3..=5).contains(&backups.len()),
        "backups: {backups:?}, the journal's: {made:?}"
    );
    p.finish().await
}

/// Between a backup and the statement that destroys the original, writers wait and readers
/// do not: a row written in between would otherwise be destroyed without a backup.
#[tokio::test(flavor = "multi_thread")]
async fn writers_wait_between_backup_and_destruction() -> anyhow::Result<()> {
    use strata_core::Statement::Sql;
    let p = Project::acceptance().await?;
    // Action 5 backs up the columns of users that steps 2 to 4 destroy or change (one copy
    // for the three, compiled together), action 8 drops and converts them; the run sleeps
    // after the backup.
    let mut run = Running::spawn(p.command(
        &["apply", "--yes"],
        &[("FAILPOINTS", "after-action=4*off->1*sleep(3000)->off")],
    ));
    let backed_up = run.wait_for(|l| {
        l.iter().any(|x| {
            x.starts_with("  [5/") && x.contains("back up users.") && x.contains("legacy_flags")
        })
    });
    ensure!(backed_up, "action 5 is not the backup of users");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let other = p.ctx.connect_again().await?;
    other
        .execute(&Sql("SET lock_timeout = '300ms'".into()))
        .await?;
    let read = other
        .query_count(&Sql("SELECT count(*)::bigint FROM users".into()))
        .await?;
    ensure!(read == 4, "readers must not wait: read {read} rows");
    let write = other
        .execute(&Sql(
            "INSERT INTO users (id, name) VALUES (50, 'late')".into()
        ))
        .await;
    let message = format!("{:?}", write.as_ref().err());
    ensure!(
        write.is_err() && message.contains("lock timeout"),
        "a writer got through between backup and drop: {message}"
    );
    let (code, lines) = run.wait();
    ensure!(code == 0, "{lines:?}");
    p.finish().await
}
