//! `backfill`, `sql` (with and without `down`) and `assert`.

use anyhow::ensure;
use strata_core::RefusalKind;
use strata_core::Value::Text;

use super::{expect_refused, fixture::setup};
use crate::context::TestContext;

pub async fn backfill(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fill", "[[step]]\nop = \"backfill\"\ntable = \"users\"\nset = { email = \"filled@example.invalid\" }\nwhere_null = [\"email\"]\nbatch_size = 1\n")?;
    let report = ctx.apply().await?;
    ensure!(
        report.plans[0].steps[0].analysis.findings[0].count == 2,
        "rows to change: {:?}",
        report.plans[0].steps[0].analysis.findings
    );
    let filled = ctx
        .rows("users")
        .await?
        .iter()
        .filter(|r| r["email"] == Text("filled@example.invalid".into()))
        .count();
    ensure!(filled == 2, "{filled} rows backfilled, expected 2");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
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
