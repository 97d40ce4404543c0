//! `set_not_null` (with and without `fill`) and `drop_not_null`.

use anyhow::ensure;
use strata_core::RefusalKind;

use super::{expect_refused, fixture::setup};
use crate::context::TestContext;

pub async fn set_not_null_fill(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "email", "[[step]]\nop = \"set_not_null\"\ntable = \"users\"\ncolumn = \"email\"\nfill = \"none@example.invalid\"\n")?;
    ctx.apply().await?;
    let users = &ctx.schema().await?.tables["users"];
    ensure!(
        users.column("email").is_some_and(|c| !c.nullable),
        "email is nullable"
    );
    let filled = ctx
        .rows("users")
        .await?
        .iter()
        .filter(|r| r["email"] == strata_core::Value::Text("none@example.invalid".into()))
        .count();
    ensure!(filled == 2, "{filled} rows filled, expected 2");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn set_not_null_refuses(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "email",
        "[[step]]\nop = \"set_not_null\"\ntable = \"users\"\ncolumn = \"email\"\n",
    )?;
    expect_refused(
        ctx.apply().await,
        RefusalKind::Nulls,
        "2 rows of users hold NULL in \"email\"",
    )?;
    ctx.assert_restored(&before).await
}

pub async fn drop_not_null(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "name",
        "[[step]]\nop = \"drop_not_null\"\ntable = \"users\"\ncolumn = \"name\"\n",
    )?;
    ctx.apply().await?;
    ensure!(
        ctx.schema().await?.tables["users"]
            .column("name")
            .is_some_and(|c| c.nullable),
        "name still NOT NULL"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
