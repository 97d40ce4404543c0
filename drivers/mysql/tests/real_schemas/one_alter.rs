//! Consecutive steps on one table compiled into one `ALTER` (`compile/one_alter.rs`), on a
//! schema built with the server's own DDL: a foreign key from another table, an index and a
//! trigger on columns the steps leave alone, a view, comments, a column `NOT NULL DEFAULT`.

use anyhow::{ensure, Context as _};
use strata_conformance::scenarios::{ONE_TABLE_RUN as CLEANUP, ONE_TABLE_RUN_ROWS};
use strata_conformance::TestContext;

const ACCOUNTS: &[&str] = &[
    "CREATE TABLE accounts (id INT NOT NULL AUTO_INCREMENT, email VARCHAR(120) COMMENT 'login', age VARCHAR(20), legacy INT NOT NULL DEFAULT 3 COMMENT 'old flags', plan VARCHAR(10), PRIMARY KEY (id)) COMMENT 'people'",
    "ALTER TABLE accounts ADD INDEX accounts_plan_idx (plan)",
    "CREATE TABLE invoices (id INT PRIMARY KEY, account_id INT)",
    "ALTER TABLE invoices ADD CONSTRAINT invoices_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)",
    "CREATE VIEW paying AS SELECT id, plan FROM accounts WHERE plan <> 'free'",
    "CREATE TRIGGER accounts_plan_default BEFORE INSERT ON accounts FOR EACH ROW SET NEW.plan = COALESCE(NEW.plan, 'free')",
];

/// Three steps, one `ALTER` (one rebuild) and one backup copy; the values come out as each
/// step alone would leave them, and rollback gives back the whole catalog.
pub async fn steps_on_one_table_share_one_alter(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(ACCOUNTS).await?;
    ctx.run_sql(ONE_TABLE_RUN_ROWS).await?;
    let before = ctx.capture().await?;
    ctx.write(1, "cleanup", CLEANUP)?;
    let plans = strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let plan = plans.first().context("one plan")?;
    strata_conformance::scenarios::ensure_one_table_run(
        plan,
        &[
            "DROP COLUMN `legacy`",
            "MODIFY COLUMN `age` int NULL",
            "MODIFY COLUMN `email` varchar(120) NOT NULL",
        ],
    )?;

    ctx.apply().await?;
    let ages = ctx
        .count("SELECT COUNT(*) FROM accounts WHERE (id = 1 AND age = 42) OR (id = 2 AND age = 7) OR (id IN (3, 4, 5) AND age IS NULL)")
        .await?;
    ensure!(ages == 5, "{ages} of 5 ages converted as planned");
    let filled = ctx
        .count("SELECT COUNT(*) FROM accounts WHERE email = 'nobody@x.io' AND id IN (2, 4)")
        .await?;
    ensure!(filled == 2, "{filled} of 2 NULL emails filled");
    let catalog = ctx.catalog().await?;
    let table = &catalog["table accounts"];
    for kept in [
        "`email` varchar(120) NOT NULL COMMENT 'login'",
        "`age` int(11) DEFAULT NULL",
        "KEY `accounts_plan_idx` (`plan`)",
        "COMMENT='people'",
    ] {
        ensure!(table.contains(kept), "no {kept} in {table}");
    }
    ensure!(!table.contains("legacy"), "legacy is still there: {table}");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A step the one `ALTER` cannot take (a column an index covers) ends the run: the steps
/// before it go together, it and the rest alone, and the round trip is exact.
pub async fn a_step_it_cannot_take_ends_the_run(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(ACCOUNTS).await?;
    ctx.run_sql(ONE_TABLE_RUN_ROWS).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "cleanup",
        &format!(
            "{CLEANUP}\n[[step]]\nop = \"set_not_null\"\ntable = \"accounts\"\ncolumn = \"plan\"\nfill = \"free\"\n"
        ),
    )?;
    let plans = strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let combined: Vec<Option<usize>> = plans[0].steps.iter().map(|s| s.combined_into).collect();
    ensure!(
        combined == [None, Some(1), Some(1), None],
        "not steps 1 to 3 together and the rest alone: {combined:?}"
    );
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
