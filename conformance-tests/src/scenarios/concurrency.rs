//! Two runners: one holds the lock; the other sees who holds it, fails fast with the lock's
//! name and its holder, or waits, says once who holds it and proceeds when it is released;
//! started together with a wait, exactly one applies and the other finds nothing to do.

use std::time::Duration;

use anyhow::ensure;
use strata_core::runner;

use super::fixture::setup;
use crate::context::TestContext;

pub async fn concurrent_runners(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    ctx.write(2, "fill", "[[step]]\nop = \"backfill\"\ntable = \"users\"\nset = { email = \"x@example.invalid\" }\nwhere_null = [\"email\"]\n")?;
    let migrations = ctx.migrations()?;
    let other = ctx.connect_again().await?;

    ensure!(
        other.lock_holder().await?.is_none(),
        "a free lock has a holder"
    );
    ensure!(ctx.driver.try_lock().await?, "could not take the free lock");
    let holder = other.lock_holder().await?;
    ensure!(
        holder.as_ref().is_some_and(|h| !h.connection.is_empty()),
        "the engine does not say who holds the lock: {holder:?}"
    );
    ensure!(
        ctx.driver.lock_holder().await?.is_none(),
        "the holder sees another holder"
    );
    let blocked = runner::apply(
        other.as_ref(),
        &migrations,
        None,
        false,
        TestContext::options(Duration::ZERO),
    )
    .await;
    match &blocked {
        Err(strata_core::Error::LockHeld { lock, holder, .. }) => {
            ensure!(lock == &ctx.driver.lock_name(), "lock named {lock}");
            ensure!(holder.is_some(), "the refusal does not name the holder");
        }
        other => anyhow::bail!("expected LockHeld, got {other:?}"),
    }

    // A runner that waits says once who holds the lock, and proceeds once it is released.
    let said = std::sync::Mutex::new(Vec::<String>::new());
    let note = |line: &str| said.lock().expect("lines").push(line.to_owned());
    let waiting = runner::apply(
        other.as_ref(),
        &migrations,
        None,
        true,
        runner::RunOptions {
            progress: &note,
            ..TestContext::options(Duration::from_secs(30))
        },
    );
    let release = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        ctx.driver.unlock().await
    };
    let (waited, released) = tokio::join!(waiting, release);
    released?;
    waited?;
    let said = said.into_inner().expect("lines");
    let named: Vec<&String> = said.iter().filter(|l| l.contains("is held by")).collect();
    ensure!(
        named.len() == 1 && named[0].contains(&holder.expect("checked").connection),
        "the waiting runner does not name the holder once: {said:?}"
    );

    let wait = TestContext::options(Duration::from_secs(30));
    let (a, b) = tokio::join!(
        runner::apply(ctx.driver.as_ref(), &migrations, None, false, wait),
        runner::apply(other.as_ref(), &migrations, None, false, wait)
    );
    let (a, b) = (a?, b?);
    ensure!(
        a.applied.len() + b.applied.len() == 1,
        "applied by the first: {:?}, by the second: {:?}",
        a.applied,
        b.applied
    );
    let history = ctx.driver.history().await?;
    ensure!(
        history.iter().filter(|r| r.version == 2).count() == 1,
        "history: {history:?}"
    );
    let backups = ctx.backups().await?;
    ensure!(
        backups == vec!["strata_bak_2_users_backfill".to_owned()],
        "backups: {backups:?}"
    );
    Ok(())
}
