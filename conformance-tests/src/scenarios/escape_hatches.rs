//! `backfill`, `sql` (with and without `down`) and `assert`.

use anyhow::ensure;
use strata_core::RefusalKind;
use strata_core::Value::{Int, Text};

use super::{expect_refused, fixture::setup};
use crate::context::{row, TestContext};

pub async fn backfill(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fill", "[[step]]\nop = \"backfill\"\ntable = \"users\"\nset = { email = \"filled@example.invalid\" }\nwhere_null = [\"email\"]\nbatch_size = 1\nbatch_ms = 0\n")?;
    let report = ctx.apply().await?;
    ensure!(
        report.plans[0].steps[0].analysis.findings[0].count == 2,
        "rows to change: {:?}",
        report.plans[0].steps[0].analysis.findings
    );
    let filled = filled(ctx).await?;
    ensure!(filled == 2, "{filled} rows backfilled, expected 2");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A backfill of 5000 rows whose first batch is 10 rows: fixed, 500 batches; sized by time
/// (each later batch aimed at 150 ms), a handful, each at most four times the one before and
/// none smaller than the first.
pub async fn backfill_batches_sized_by_time(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let rows: Vec<_> = (1000..6000)
        .map(|i| {
            row(&[
                ("id", Int(i)),
                ("age", Text("30".into())),
                ("legacy_flags", Int(0)),
                ("name", Text(format!("n{i}"))),
            ])
        })
        .collect();
    ctx.insert("users", &rows).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fill", "[[step]]\nop = \"backfill\"\ntable = \"users\"\nset = { email = \"filled@example.invalid\" }\nwhere_null = [\"email\"]\nbatch_size = 10\nbatch_ms = 150\n")?;
    let (_, lines) = ctx.apply_logged().await?;
    // (rows, milliseconds) of each batch, from `backfilled N rows (batch of R in M ms)`.
    let batches: Vec<(u64, u64)> = lines
        .iter()
        .filter_map(|l| {
            let (rows, rest) = l.split_once("(batch of ")?.1.split_once(" in ")?;
            Some((rows.parse().ok()?, rest.split(' ').next()?.parse().ok()?))
        })
        .collect();
    ensure!(
        batches.first().map(|b| b.0) == Some(10) && batches.len() >= 2,
        "not a first batch of 10, then more: {batches:?}"
    );
    // Where batches are quick (their time follows their rows), they grow: fewer than the 500
    // fixed ones. Where each costs a scan whatever its size (SecantusDB on a busy machine:
    // every batch of 10 over 150 ms), they stay at the first's size, as they should.
    if batches.iter().any(|(_, ms)| ms * 2 < 150) {
        ensure!(
            batches.len() < 500,
            "quick batches did not grow: {} batches: {batches:?}",
            batches.len()
        );
    }
    // Each batch grows after one much faster than 150 ms and shrinks (down to the first's
    // size) after one much slower, by four times at most.
    for w in batches.windows(2) {
        let ((rows, ms), (next, _)) = (w[0], w[1]);
        let followed = next <= rows * 4
            && next * 4 >= rows
            && next >= 10
            && (ms * 2 >= 150 || next > rows)
            && (ms <= 300 || next < rows || next == 10);
        ensure!(
            followed,
            "a batch of {rows} rows took {ms} ms and the next has {next}: {batches:?}"
        );
    }
    let filled = filled(ctx).await?;
    ensure!(filled == 5002, "{filled} rows backfilled, expected 5002");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// The rows of `users` whose email the backfill wrote.
async fn filled(ctx: &TestContext) -> anyhow::Result<usize> {
    Ok(ctx
        .rows("users")
        .await?
        .iter()
        .filter(|r| r["email"] == Text("filled@example.invalid".into()))
        .count())
}

const SQL_STEPS: &str = r#"
[[step]]
op = "sql"
postgres = "CREATE TABLE audit_log (id integer PRIMARY KEY)"
mysql = "CREATE TABLE audit_log (id integer PRIMARY KEY)"
sqlite = "CREATE TABLE audit_log (id integer PRIMARY KEY)"
mongodb = { create = "audit_log" }
down = { postgres = "DROP TABLE audit_log", mysql = "DROP TABLE audit_log", sqlite = "DROP TABLE audit_log", mongodb = { drop = "audit_log" } }

[[step]]
op = "assert"
postgres = "SELECT id FROM users WHERE id > 100"
mysql = "SELECT id FROM users WHERE id > 100"
sqlite = "SELECT id FROM users WHERE id > 100"
mongodb = { aggregate = "users", pipeline = [{ "$match" = { id = { "$gt" = 100 } } }] }
"#;

const FAILING_ASSERT: &str = r#"
[[step]]
op = "drop_column"
table = "users"
column = "legacy_flags"

[[step]]
op = "assert"
postgres = "SELECT id FROM users"
mysql = "SELECT id FROM users"
sqlite = "SELECT id FROM users"
mongodb = { aggregate = "users", pipeline = [] }
expect_rows = 3
"#;

const NO_DOWN: &str = r#"
[[step]]
op = "sql"
postgres = "CREATE TABLE scratch (id integer)"
mysql = "CREATE TABLE scratch (id integer)"
sqlite = "CREATE TABLE scratch (id integer)"
mongodb = { create = "scratch" }
"#;

pub async fn sql_and_assert(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    let sql = ctx.write(2, "sql", SQL_STEPS)?;
    ctx.apply().await?;
    ensure!(
        ctx.schema().await?.tables.contains_key("audit_log"),
        "sql step did not run"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await?;
    std::fs::remove_file(sql)?;

    // A failing assertion stops the migration; whatever ran before it is undone (with the
    // transaction, or, where DDL is not transactional, by the runner at once).
    let failing = ctx.write(3, "failing_assert", FAILING_ASSERT)?;
    expect_refused(ctx.apply().await, RefusalKind::Check, "assertion failed")?;
    ctx.assert_restored(&before).await?;
    let history = ctx.driver.history().await?;
    ensure!(
        history
            .iter()
            .all(|r| r.version != 3 || r.status == strata_core::RecordStatus::RolledBack),
        "the refused migration is left half applied: {history:?}"
    );
    std::fs::remove_file(failing)?;

    // A `sql` step without `down` cannot be undone: refused unless data loss is allowed.
    ctx.write(4, "no_down", NO_DOWN)?;
    expect_refused(
        ctx.apply().await,
        RefusalKind::Irreversible,
        "would destroy data that no backup keeps",
    )?;
    ctx.assert_restored(&before).await?;
    ctx.apply_allowing_data_loss().await?;
    expect_refused(
        ctx.rollback(1).await,
        RefusalKind::Irreversible,
        "cannot be undone",
    )?;
    ensure!(
        ctx.schema().await?.tables.contains_key("scratch"),
        "a refused rollback changed something"
    );
    Ok(())
}
