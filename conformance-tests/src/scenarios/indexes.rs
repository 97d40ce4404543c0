//! Indexes and unique constraints.

use anyhow::ensure;
use strata_core::RefusalKind;

use strata_core::Value::{Int, Text};

use super::{expect_refused, fixture::setup};
use crate::context::TestContext;

pub async fn add_index_online(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "idx",
        "[[step]]\nop = \"add_index\"\ntable = \"orders\"\ncolumns = [\"user_id\", \"total\"]\n",
    )?;
    let report = ctx.apply().await?;
    let action = &report.plans[0].steps[0].actions[0];
    ensure!(
        !action.transactional,
        "an online index build must run outside the transaction"
    );
    let idx = ctx.schema().await?.tables["orders"]
        .indexes
        .iter()
        .find(|i| i.name == "orders_user_id_total_idx")
        .cloned();
    ensure!(
        idx.as_ref()
            .is_some_and(|i| i.valid && i.columns == ["user_id", "total"]),
        "index: {idx:?}"
    );
    let status = strata_core::runner::status(ctx.driver.as_ref(), &ctx.migrations()?).await?;
    ensure!(
        status.iter().all(|s| s.state.label() == "applied"),
        "{status:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn unique_refuses_duplicates(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    ctx.insert(
        "users",
        &[crate::row(&[
            ("id", Int(5)),
            ("email", Text("a@x".into())),
            ("name", Text("eve".into())),
        ])],
    )
    .await?;
    let before = ctx.capture().await?;
    ctx.write(2, "dup", "[[step]]\nop = \"set_default\"\ntable = \"users\"\ncolumn = \"name\"\nvalue = \"y\"\n[[step]]\nop = \"add_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nunique = true\n")?;
    expect_refused(
        ctx.apply().await,
        RefusalKind::Duplicates,
        "keys (email) of users are held by more than one row",
    )?;
    ctx.assert_restored(&before).await
}

pub async fn add_unique_and_drop_index(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "uniq",
        "[[step]]\nop = \"add_unique\"\ntable = \"users\"\ncolumns = [\"name\"]\n[[step]]\nop = \"drop_index\"\ntable = \"sessions_legacy\"\nname = \"sessions_token_idx\"\n",
    )?;
    ctx.apply().await?;
    let schema = ctx.schema().await?;
    // A unique constraint is a constraint on some engines and a unique index on others (MySQL).
    let users = &schema.tables["users"];
    ensure!(
        users.constraint("users_name_key").is_some()
            || users
                .indexes
                .iter()
                .any(|i| i.name == "users_name_key" && i.unique),
        "unique constraint missing"
    );
    ensure!(
        schema.tables["sessions_legacy"]
            .indexes
            .iter()
            .all(|i| i.name != "sessions_token_idx"),
        "index not dropped"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
