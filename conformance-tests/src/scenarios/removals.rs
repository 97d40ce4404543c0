//! `drop_table` and `drop_column`: verified backup first, exact restore on rollback.

use anyhow::ensure;

use super::fixture::setup;
use crate::context::TestContext;

pub async fn drop_table(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "drop",
        "[[step]]\nop = \"drop_table\"\ntable = \"sessions_legacy\"\n",
    )?;
    ctx.apply().await?;
    ensure!(
        !ctx.schema().await?.tables.contains_key("sessions_legacy"),
        "table not dropped"
    );
    let backup = "strata_bak_2_sessions_legacy";
    ensure!(
        ctx.rows(backup).await?.len() == 3,
        "backup does not hold the 3 rows"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn drop_column(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "drop",
        "[[step]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"legacy_flags\"\n",
    )?;
    ctx.apply().await?;
    let users = &ctx.schema().await?.tables["users"];
    ensure!(users.column("legacy_flags").is_none(), "column not dropped");
    ensure!(
        ctx.rows("strata_bak_2_users_legacy_flags").await?.len() == 4,
        "backup does not hold 4 keyed values"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
