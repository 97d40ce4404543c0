//! What only MongoDB has: a validator the user wrote is merged with strata's and comes back on
//! rollback; `replace` naming a relation strata never recorded is a warning; a live runner's
//! lease is renewed and never taken over.

use std::time::Duration;

use anyhow::{ensure, Context as _};
use strata_conformance::TestContext;
use strata_core::runner;
use strata_core::Statement;
use strata_mongodb::testing;

async fn context() -> anyhow::Result<(TestContext, String)> {
    let url = testing::create_database(&testing::admin_url()).await?;
    Ok((TestContext::new("mongodb", &url).await?, url))
}

fn validator_of(
    snapshot: &strata_core::schema::Snapshot,
    collection: &str,
) -> Option<serde_json::Value> {
    snapshot.tables[collection]
        .constraints
        .iter()
        .find(|c| c.name == "$jsonSchema")
        .and_then(|c| serde_json::from_str(&c.definition).ok())
}

#[tokio::test]
async fn a_users_validator_is_merged_and_restored() -> anyhow::Result<()> {
    let (ctx, url) = context().await?;
    let user = serde_json::json!({ "name": { "$type": "string" } });
    ctx.driver
        .execute(&Statement::Command(
            serde_json::json!({ "create": "people", "validator": user }),
        ))
        .await?;
    ctx.driver
        .execute(&Statement::Command(
            serde_json::json!({ "insert": "people", "documents": [{ "name": "ann" }] }),
        ))
        .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "age",
        "[[step]]\nop = \"add_column\"\ntable = \"people\"\ncolumn = \"age\"\ntype = \"int32\"\n",
    )?;
    ctx.apply().await?;
    let merged = validator_of(&ctx.schema().await?, "people").expect("a validator");
    ensure!(
        merged["$and"][0] == user,
        "the user's validator is not kept first: {merged}"
    );
    ensure!(
        merged["$and"][1]["$jsonSchema"]["properties"]["age"].is_object(),
        "strata's part is missing: {merged}"
    );
    let rejected = ctx
        .driver
        .execute(&Statement::Command(
            serde_json::json!({ "insert": "people", "documents": [{ "name": 5 }] }),
        ))
        .await;
    ensure!(rejected.is_err(), "the user's own rule no longer holds");
    ensure!(ctx.rollback(1).await? == vec![1]);
    ensure!(
        validator_of(&ctx.schema().await?, "people") == Some(user),
        "rollback did not restore the user's validator"
    );
    ctx.assert_restored(&before).await?;
    drop(ctx);
    testing::drop_database(&testing::admin_url(), &url).await?;
    Ok(())
}

#[tokio::test]
async fn replacing_an_unrecorded_relation_is_a_warning() -> anyhow::Result<()> {
    let (ctx, url) = context().await?;
    for (name, docs) in [
        ("users", serde_json::json!([{ "id": 1 }])),
        ("orders", serde_json::json!([{ "id": 1, "user_id": 1 }])),
    ] {
        ctx.driver
            .execute(&Statement::Command(
                serde_json::json!({ "insert": name, "documents": docs }),
            ))
            .await?;
    }
    ctx.driver
        .execute(&Statement::Command(serde_json::json!({ "createIndexes": "users", "indexes": [{ "key": { "id": 1 }, "name": "users_id", "unique": true }] })))
        .await?;
    ctx.write(
        1,
        "fk",
        "[[step]]\nop = \"add_foreign_key\"\ntable = \"orders\"\ncolumns = [\"user_id\"]\nreferences = { table = \"users\", columns = [\"id\"] }\nreplace = \"orders_user_id_fkey_from_sql\"\n",
    )?;
    let plans = runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let warnings = &plans[0].steps[0].analysis.warnings;
    ensure!(
        warnings
            .iter()
            .any(|w| w.contains("no relation \"orders_user_id_fkey_from_sql\" recorded")),
        "warnings: {warnings:?}"
    );
    ensure!(
        plans[0].refusals().is_empty(),
        "refused: {:?}",
        plans[0].refusals()
    );
    ctx.apply().await?;
    let checks = ctx
        .driver
        .server()
        .context("server operations")?
        .verify()
        .await?;
    ensure!(checks.iter().all(|c| c.ok), "{checks:?}");
    ctx.rollback(1).await?;
    drop(ctx);
    testing::drop_database(&testing::admin_url(), &url).await?;
    Ok(())
}

#[tokio::test]
async fn a_live_lease_is_never_taken_over() -> anyhow::Result<()> {
    std::env::set_var("STRATA_MONGODB_LEASE_MS", "900");
    let (ctx, url) = context().await?;
    let other = ctx.connect_again().await?;
    ensure!(ctx.driver.try_lock().await?, "the free lease was not taken");
    // Several lease lifetimes later the heartbeat has kept it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    ensure!(!other.try_lock().await?, "a live lease was taken over");
    ctx.driver.unlock().await?;
    ensure!(
        other.try_lock().await?,
        "a released lease could not be taken"
    );
    // A runner that dies (its heartbeat stops with it) loses the lease once it expires.
    drop(other);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    ensure!(
        ctx.driver.try_lock().await?,
        "an expired lease was not taken"
    );
    ctx.driver.unlock().await?;
    drop(ctx);
    testing::drop_database(&testing::admin_url(), &url).await?;
    Ok(())
}

#[tokio::test]
async fn updates_commit_with_their_journal_entry_on_a_replica_set() -> anyhow::Result<()> {
    let (ctx, url) = context().await?;
    ensure!(
        ctx.capabilities().transactional_dml,
        "the test server is a replica set: transactions must be declared"
    );
    ctx.driver
        .execute(&Statement::Command(serde_json::json!({ "create": "t" })))
        .await?;
    ctx.driver.begin().await?;
    ctx.driver
        .execute(&Statement::Command(
            serde_json::json!({ "insert": "t", "documents": [{ "a": 1 }] }),
        ))
        .await?;
    ctx.driver.rollback_transaction().await?;
    let left = ctx
        .driver
        .query_count(&Statement::Command(serde_json::json!({ "count": "t" })))
        .await?;
    ensure!(left == 0, "an aborted transaction kept its write");

    ctx.driver
        .execute(&Statement::Command(
            serde_json::json!({ "insert": "t", "documents": [{ "_id": 1, "a": null }] }),
        ))
        .await?;
    ctx.write(
        1,
        "fill",
        "[[step]]\nop = \"set_not_null\"\ntable = \"t\"\ncolumn = \"a\"\nfill = 0\n",
    )?;
    let plans = runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let fill = plans[0].steps[0]
        .actions
        .iter()
        .find(|a| a.description.starts_with("fill"))
        .expect("a fill action");
    ensure!(
        fill.transactional,
        "a small update must run in a transaction with its journal entry"
    );
    drop(ctx);
    testing::drop_database(&testing::admin_url(), &url).await?;
    Ok(())
}
