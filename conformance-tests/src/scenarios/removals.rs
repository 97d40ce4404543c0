//! `drop_table` and `drop_column`: verified backup first, exact restore on rollback.

use anyhow::ensure;

use super::fixture::setup;
use crate::context::{row, TestContext};
use strata_core::Value;

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

/// `drop_column archive` of `users` and `drop_table users_archive` in one migration: both
/// backups would be `strata_bak_2_users_archive`; the second is kept apart (`…_2`), and
/// rollback gives each table back its own rows.
pub async fn backup_names_stay_apart(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.write(
        1,
        "tables",
        r#"
[[step]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "int64", primary_key = true }, { name = "archive", type = "text" }]

[[step]]
op = "create_table"
table = "users_archive"
columns = [{ name = "id", type = "int64", primary_key = true }, { name = "note", type = "text" }]
"#,
    )?;
    ctx.apply().await?;
    ctx.insert(
        "users",
        &[
            row(&[("id", Value::Int(1)), ("archive", Value::Text("u1".into()))]),
            row(&[("id", Value::Int(2)), ("archive", Value::Text("u2".into()))]),
        ],
    )
    .await?;
    ctx.insert(
        "users_archive",
        &[row(&[
            ("id", Value::Int(1)),
            ("note", Value::Text("a1".into())),
        ])],
    )
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "drops",
        "[[step]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"archive\"\n\n[[step]]\nop = \"drop_table\"\ntable = \"users_archive\"\n",
    )?;
    ctx.apply().await?;
    let backups = ctx.backups().await?;
    ensure!(
        backups.iter().any(|b| b == "strata_bak_2_users_archive")
            && backups.iter().any(|b| b == "strata_bak_2_users_archive_2"),
        "two backups expected, found {backups:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
