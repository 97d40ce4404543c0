//! The pre-flight counts for one table are fused into one scan: analyzing the acceptance
//! migration step by step scans `users` three times for its counts (drop_column, change_type,
//! set_not_null); analyzing it as a whole scans it once.

use strata_conformance::scenarios::{setup, ACCEPTANCE};
use strata_conformance::TestContext;
use strata_core::{Driver, Statement, StepContext};
use strata_postgres::testing;

async fn seq_scans(driver: &dyn Driver, probe: &dyn Driver, table: &str) -> anyhow::Result<i64> {
    // Statistics reach the shared view when the scanning session flushes them.
    driver
        .execute(&Statement::Sql("SELECT pg_stat_force_next_flush()".into()))
        .await?;
    driver.execute(&Statement::Sql("SELECT 1".into())).await?;
    probe
        .execute(&Statement::Sql("SELECT pg_stat_clear_snapshot()".into()))
        .await?;
    Ok(probe
        .query_count(&Statement::Sql(format!(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = '{table}'"
        )))
        .await?)
}

#[tokio::test]
async fn counts_on_one_table_take_one_scan() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let ctx = TestContext::new("postgres", &url).await?;
    setup(&ctx).await?;
    ctx.write(2, "users_cleanup", ACCEPTANCE)?;
    let migration = ctx.migrations()?.pop().expect("migration 2");
    let probe = ctx.connect_again().await?;
    let live = ctx.driver.inspect().await?;
    // Steps 2-4 (drop_column, change_type, set_not_null) count on users; earlier steps do not
    // change users, so the live schema is the one they are compiled against.
    let steps: Vec<StepContext<'_>> = migration.steps[1..4]
        .iter()
        .map(|step| StepContext {
            migration: &migration,
            step,
            snapshot: &live,
        })
        .collect();

    let start = seq_scans(ctx.driver.as_ref(), probe.as_ref(), "users").await?;
    for step in &steps {
        ctx.driver.analyze(*step).await?;
    }
    let one_by_one = seq_scans(ctx.driver.as_ref(), probe.as_ref(), "users").await? - start;

    let start = seq_scans(ctx.driver.as_ref(), probe.as_ref(), "users").await?;
    let fused: Vec<_> = ctx
        .driver
        .analyze_steps(&steps)
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let together = seq_scans(ctx.driver.as_ref(), probe.as_ref(), "users").await? - start;

    let counts: Vec<u64> = fused
        .iter()
        .map(|a: &strata_core::Analysis| a.findings[0].count)
        .collect();
    anyhow::ensure!(counts == vec![3, 2, 2], "counts: {counts:?}");
    eprintln!("users seq scans: one by one {one_by_one}, fused {together}");
    // Both ways also fetch examples (two LIMIT 5 scans); only the counts differ.
    anyhow::ensure!(
        one_by_one - together == 2,
        "scans one by one: {one_by_one}, fused: {together}"
    );
    drop((ctx, probe));
    testing::drop_database(&admin, &url).await?;
    Ok(())
}
