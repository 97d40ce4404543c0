//! Two runners: one holds the lock, the other fails fast with the lock's name; started
//! together with a wait, exactly one applies and the other finds nothing to do.

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

    ensure!(ctx.driver.try_lock().await?, "could not take the free lock");
    let blocked = runner::apply(
        other.as_ref(),
        &migrations,
        None,
        false,
        TestContext::options(Duration::ZERO),
    )
    .await;
    match &blocked {
        Err(strata_core::Error::LockHeld { lock, .. }) => {
            ensure!(lock == &ctx.driver.lock_name(), "lock named {lock}")
        }
        other => anyhow::bail!("expected LockHeld, got {other:?}"),
    }
    ctx.driver.unlock().await?;

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
