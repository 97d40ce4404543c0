//! A migration's `ALTER` waiting behind another session's transaction waits in attempts of
//! 500 ms (`src/lock_wait.rs`): readers that come after it are let through between attempts
//! instead of queueing behind it for as long as the other transaction lasts.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context as _};
use sqlx::{Connection, Executor};
use strata_conformance::TestContext;

/// A reader's transaction holds `items` for 2.5 s; the migration's `ALTER TABLE` needs it
/// alone. Alone in one wait, every reader arriving meanwhile would queue behind the `ALTER`
/// until the transaction ends (about 2.4 s); in attempts, none waits much longer than one.
pub async fn readers_are_not_queued_behind_a_waiting_alter(
    ctx: &TestContext,
) -> anyhow::Result<()> {
    let mut blocker = items_held_by_a_reader(ctx).await?;
    let mut reader = sqlx::PgConnection::connect(&ctx.url).await?;
    let hold = Duration::from_millis(2500);
    let started = Instant::now();
    let (applied, worst, released) = tokio::join!(
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            ctx.apply().await
        },
        async {
            let mut worst = Duration::ZERO;
            while started.elapsed() < hold + Duration::from_millis(500) {
                let t = Instant::now();
                reader.execute("SELECT count(*) FROM items").await?;
                worst = worst.max(t.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok::<_, anyhow::Error>(worst)
        },
        async {
            tokio::time::sleep(hold).await;
            blocker.execute("COMMIT").await
        },
    );
    released?;
    applied?;
    let worst = worst?;
    ensure!(
        worst < Duration::from_millis(1200),
        "a reader waited {} ms behind the migration's ALTER",
        worst.as_millis()
    );
    let added = extra_columns(ctx).await?;
    ensure!(added == 1, "the column was not added");
    Ok(())
}

/// A transaction that outlasts the lock-wait timeout (`?lock_wait_timeout=1`) still fails the
/// migration, which then changes nothing, naming its attempts.
pub async fn a_lock_held_past_the_timeout_fails_naming_the_attempts(
    ctx: &TestContext,
) -> anyhow::Result<()> {
    let mut blocker = items_held_by_a_reader(ctx).await?;
    let sep = if ctx.url.contains('?') { '&' } else { '?' };
    let driver = strata_core::registry::connect(
        Some("postgres"),
        &format!("{}{sep}lock_wait_timeout=1", ctx.url),
    )
    .await?;
    let started = Instant::now();
    let failed = ctx.apply_with(driver.as_ref()).await;
    let took = started.elapsed();
    blocker.execute("COMMIT").await?;
    let message = format!(
        "{:#}",
        anyhow::Error::from(failed.err().context("applied")?)
    );
    ensure!(
        message.contains("attempts of up to 500 ms") && took < Duration::from_secs(4),
        "after {} ms: {message}",
        took.as_millis()
    );
    let added = extra_columns(ctx).await?;
    ensure!(added == 0, "the failed migration added the column");
    Ok(())
}

/// `items` with rows, the migration that adds a column to it, and a session whose open
/// transaction has read it: it holds the lock the migration's `ALTER` waits for until it ends.
async fn items_held_by_a_reader(ctx: &TestContext) -> anyhow::Result<sqlx::PgConnection> {
    ctx.run_sql(&[
        "CREATE TABLE items (id int PRIMARY KEY, note text)",
        "INSERT INTO items SELECT n, 'n' || n FROM generate_series(1, 100) n",
    ])
    .await?;
    ctx.write(
        1,
        "widen",
        "[[step]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = \"extra\"\ntype = \"int32\"\n",
    )?;
    let mut blocker = sqlx::PgConnection::connect(&ctx.url).await?;
    blocker.execute("BEGIN").await?;
    blocker.execute("SELECT count(*) FROM items").await?;
    Ok(blocker)
}

/// 1 when the migration added its column, 0 when it did not.
async fn extra_columns(ctx: &TestContext) -> anyhow::Result<i64> {
    ctx.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'extra'")
        .await
}
