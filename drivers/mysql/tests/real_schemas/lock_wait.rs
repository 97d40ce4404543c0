//! A migration's `ALTER` waiting behind another session's transaction waits in attempts of
//! 1 s (`src/lock_wait.rs`): readers that come after it are let through between attempts
//! instead of queueing behind its metadata lock for as long as the other transaction lasts.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context as _};
use sqlx::{Connection, Executor};
use strata_conformance::TestContext;

/// A reader's transaction holds `items` for 3.5 s; the migration's `ALTER TABLE` needs its
/// metadata lock alone. In one wait, every reader arriving meanwhile would queue behind the
/// `ALTER` until the transaction ends (about 3.3 s); in attempts, none waits much longer than
/// one attempt.
pub async fn readers_are_not_queued_behind_a_waiting_alter(
    ctx: &TestContext,
) -> anyhow::Result<()> {
    let mut blocker = items_held_by_a_reader(ctx).await?;
    let mut reader = sqlx::MySqlConnection::connect(&ctx.url).await?;
    let hold = Duration::from_millis(3500);
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
                reader.execute("SELECT COUNT(*) FROM items").await?;
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
        worst < Duration::from_millis(1800),
        "a reader waited {} ms behind the migration's ALTER",
        worst.as_millis()
    );
    ensure!(extra_columns(ctx).await? == 1, "the column was not added");
    Ok(())
}

/// A transaction that outlasts the lock-wait timeout (`?lock_wait_timeout=3`) still fails the
/// migration, which then changes nothing, naming its attempts.
pub async fn a_lock_held_past_the_timeout_fails_naming_the_attempts(
    ctx: &TestContext,
) -> anyhow::Result<()> {
    let mut blocker = items_held_by_a_reader(ctx).await?;
    let sep = if ctx.url.contains('?') { '&' } else { '?' };
    let driver = strata_core::registry::connect(
        Some("mysql"),
        &format!("{}{sep}lock_wait_timeout=3", ctx.url),
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
        message.contains("attempts of 1 s") && took < Duration::from_secs(6),
        "after {} ms: {message}",
        took.as_millis()
    );
    ensure!(
        extra_columns(ctx).await? == 0,
        "the failed migration added the column"
    );
    Ok(())
}

/// `items` with rows, the migration that adds a column to it, and a session whose open
/// transaction has read it: it holds the metadata lock the migration's `ALTER` waits for
/// until it ends.
async fn items_held_by_a_reader(ctx: &TestContext) -> anyhow::Result<sqlx::MySqlConnection> {
    ctx.run_sql(&[
        "CREATE TABLE items (id int PRIMARY KEY, note text) ENGINE=InnoDB",
        "INSERT INTO items SELECT seq, CONCAT('n', seq) FROM seq_1_to_100",
    ])
    .await?;
    ctx.write(
        1,
        "widen",
        "[[step]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = \"extra\"\ntype = \"int32\"\n",
    )?;
    let mut blocker = sqlx::MySqlConnection::connect(&ctx.url).await?;
    blocker.execute("START TRANSACTION").await?;
    blocker.execute("SELECT COUNT(*) FROM items").await?;
    Ok(blocker)
}

/// 1 when the migration added its column, 0 when it did not.
async fn extra_columns(ctx: &TestContext) -> anyhow::Result<i64> {
    ctx.count("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' AND COLUMN_NAME = 'extra'")
        .await
}
