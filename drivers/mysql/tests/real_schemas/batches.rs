//! Backfills walk their backup in key order, batch after batch, without reading again what
//! an earlier batch did (issue 10, item 7: 20k rows in batches of 1000 took 45 s, the last
//! batch 40 times the first).

use std::time::Instant;

use anyhow::ensure;
use strata_conformance::TestContext;

/// A composite key, rows already holding the new value between rows that need it, a filter,
/// and a batch size that does not divide the rows: every matching row is changed once, the
/// others are left alone, and rollback gives back every row.
pub async fn composite_keys_walked_in_batches(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE stock (shop INT NOT NULL, sku VARCHAR(12) NOT NULL, kind VARCHAR(8), \
         state VARCHAR(8), PRIMARY KEY (shop, sku))",
        "INSERT INTO stock SELECT seq MOD 7, CONCAT('s', seq), IF(seq MOD 3 = 0, 'old', 'new'), \
         IF(seq MOD 5 = 0, 'ok', NULL) FROM seq_1_to_300",
        // A prefix key on TEXT, which the backup cannot take as its own: batched as before.
        "CREATE TABLE notes (title TEXT NOT NULL, body TEXT, PRIMARY KEY (title(8)))",
        "INSERT INTO notes SELECT CONCAT('note ', seq), NULL FROM seq_1_to_50",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write_file(
        1,
        "batches",
        "json",
        r#"{"step": [{"op": "backfill", "table": "stock", "set": {"state": "ok"},
            "where": {"kind": "old"}, "batch_size": 7},
            {"op": "backfill", "table": "notes", "set": {"body": "-"}, "batch_size": 9}]}"#,
    )?;
    ctx.apply().await?;
    let mut counts = Vec::new();
    for filter in [
        "kind = 'old' AND state = 'ok'",
        "kind = 'old' AND NOT state <=> 'ok'",
        "kind = 'new' AND state = 'ok'",
        "kind = 'new' AND state IS NULL",
    ] {
        counts.push(
            ctx.count(&format!("SELECT COUNT(*) FROM stock WHERE {filter}"))
                .await?,
        );
    }
    ensure!(
        counts == [100, 0, 40, 160],
        "old rows set, new rows untouched: {counts:?}"
    );
    let notes = ctx
        .count("SELECT COUNT(*) FROM notes WHERE body = '-'")
        .await?;
    ensure!(notes == 50, "{notes} of 50 notes backfilled");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// 20 000 rows in batches of 1000: the whole backfill takes a few seconds at most (it took
/// 45 s while every batch scanned the table from its start).
pub async fn batches_do_not_rescan(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE items (id INT PRIMARY KEY, grp VARCHAR(20))",
        "INSERT INTO items SELECT seq, NULL FROM seq_1_to_20000",
    ])
    .await?;
    ctx.write_file(
        1,
        "backfill",
        "json",
        r#"{"step": [{"op": "backfill", "table": "items", "set": {"grp": "done"}, "batch_size": 1000}]}"#,
    )?;
    let started = Instant::now();
    ctx.apply().await?;
    let took = started.elapsed();
    let left = ctx
        .count("SELECT COUNT(*) FROM items WHERE grp IS NULL")
        .await?;
    ensure!(left == 0, "rows left unchanged: {left}");
    ensure!(
        took.as_secs_f64() < 10.0,
        "20 000 rows in batches of 1000 took {took:?}"
    );
    Ok(())
}
