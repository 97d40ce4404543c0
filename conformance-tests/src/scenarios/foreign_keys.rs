//! `add_foreign_key` with each orphan mode, replacing an existing key, and `drop_foreign_key`.

use anyhow::ensure;
use strata_core::RefusalKind;
use strata_core::Value::Int;

use super::{expect_refused, fixture::setup};
use crate::context::TestContext;

fn fk(orphans: &str, extra: &str) -> String {
    format!(
        "[[step]]\nop = \"add_foreign_key\"\ntable = \"orders\"\ncolumns = [\"user_id\"]\nreferences = {{ table = \"users\", columns = [\"id\"] }}\norphans = \"{orphans}\"\n{extra}"
    )
}

async fn order_ids(ctx: &TestContext) -> anyhow::Result<Vec<i64>> {
    let mut ids: Vec<i64> = ctx
        .rows("orders")
        .await?
        .iter()
        .filter_map(|r| match r["id"] {
            Int(i) => Some(i),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

pub async fn orphans_fail(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fk", &fk("fail", ""))?;
    expect_refused(
        ctx.apply().await,
        RefusalKind::Orphans,
        "2 rows of orders reference no row of users",
    )?;
    ctx.assert_restored(&before).await
}

pub async fn orphans_delete(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fk", &fk("delete", ""))?;
    ctx.apply().await?;
    ensure!(
        order_ids(ctx).await? == vec![1, 2, 4],
        "orders after delete: {:?}",
        order_ids(ctx).await?
    );
    ensure!(
        ctx.rows("strata_bak_2_orders_orphans").await?.len() == 2,
        "the 2 deleted rows are not backed up"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn orphans_set_null_replacing(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "fk",
        &fk(
            "set_null",
            "replace = \"orders_user_legacy_fk\"\non_delete = \"set_null\"\n",
        ),
    )?;
    ctx.apply().await?;
    let orders = ctx.schema().await?.tables["orders"].clone();
    ensure!(
        orders.constraint("orders_user_legacy_fk").is_none(),
        "replaced key still exists"
    );
    ensure!(
        orders.constraint("orders_user_id_fkey").is_some(),
        "new key missing"
    );
    let nulls = ctx
        .rows("orders")
        .await?
        .iter()
        .filter(|r| r["user_id"] == strata_core::Value::Null)
        .count();
    ensure!(
        nulls == 3,
        "{nulls} NULL keys, expected 3 (one was NULL before, two orphans)"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn orphans_placeholder(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fk", &fk("placeholder", ""))?;
    ctx.apply().await?;
    let users = ctx.rows("users").await?;
    ensure!(
        users.len() == 6,
        "expected 4 users and 2 placeholders, found {}",
        users.len()
    );
    ensure!(
        order_ids(ctx).await? == vec![1, 2, 3, 4, 5],
        "orders changed"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// The fixture, and a session 4 whose order 50 does not exist: a placeholder order's key.
async fn setup_with_session_of_missing_order(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    ctx.insert(
        "sessions_legacy",
        &[crate::context::row(&[
            ("id", Int(4)),
            ("user_id", Int(50)),
            ("token", strata_core::Value::Text("t4".into())),
        ])],
    )
    .await
}

/// A placeholder parent row references nothing through the parent's own keys: given a default
/// no row of the table it points at holds (`orders.user_id` defaults to 5, and no legacy user
/// 5 exists), the placeholder for session 4's missing order 50 gets NULL there, not the default.
pub async fn placeholders_reference_nothing(ctx: &TestContext) -> anyhow::Result<()> {
    setup_with_session_of_missing_order(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "fk",
        "[[step]]\nop = \"set_default\"\ntable = \"orders\"\ncolumn = \"user_id\"\nvalue = 5\n\n[[step]]\nop = \"add_foreign_key\"\ntable = \"sessions_legacy\"\ncolumns = [\"user_id\"]\nreferences = { table = \"orders\", columns = [\"id\"] }\norphans = \"placeholder\"\n",
    )?;
    ctx.apply().await?;
    ensure!(
        order_ids(ctx).await? == vec![1, 2, 3, 4, 5, 50],
        "orders after the placeholder: {:?}",
        order_ids(ctx).await?
    );
    let placeholder = ctx
        .rows("orders")
        .await?
        .into_iter()
        .find(|r| r["id"] == Int(50))
        .expect("listed");
    ensure!(
        placeholder["user_id"] == strata_core::Value::Null,
        "the placeholder order took user_id {:?}, not NULL",
        placeholder["user_id"]
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A placeholder that could only point at rows nothing shows exist is refused in the plan:
/// once `orders.id` is a foreign key to `legacy_users`, a placeholder order for session 4's
/// missing order 50 would hold 50 there, and no legacy user 50 exists.
pub async fn placeholders_pointing_nowhere_are_refused(ctx: &TestContext) -> anyhow::Result<()> {
    setup_with_session_of_missing_order(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "fk",
        "[[step]]\nop = \"add_foreign_key\"\ntable = \"orders\"\ncolumns = [\"id\"]\nreferences = { table = \"legacy_users\", columns = [\"id\"] }\nname = \"orders_legacy_id_fk\"\norphans = \"placeholder\"\n\n[[step]]\nop = \"add_foreign_key\"\ntable = \"sessions_legacy\"\ncolumns = [\"user_id\"]\nreferences = { table = \"orders\", columns = [\"id\"] }\norphans = \"placeholder\"\n",
    )?;
    expect_refused(
        ctx.apply().await,
        RefusalKind::Invalid,
        "which foreign key orders_legacy_id_fk of \"orders\" checks",
    )?;
    ctx.assert_restored(&before).await
}

pub async fn drop_foreign_key(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "fk", "[[step]]\nop = \"drop_foreign_key\"\ntable = \"orders\"\nname = \"orders_user_legacy_fk\"\n")?;
    ctx.apply().await?;
    ensure!(
        ctx.schema().await?.tables["orders"]
            .constraint("orders_user_legacy_fk")
            .is_none(),
        "key not dropped"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
