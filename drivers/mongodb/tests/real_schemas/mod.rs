//! MongoDB scenarios on collections built with the server's own commands, the way other
//! tools and people make them, not through strata: a validator of the user's, documents with
//! mixed types, views and views on views. Each round trip compares the engine's whole
//! catalog (`listCollections` options, index specs, documents) before and after rollback.

use anyhow::ensure;
use serde_json::json;
use strata_conformance::scenarios::expect_refused;
use strata_conformance::{row, Scenario, TestContext};

/// The scenarios, run by the conformance harness after the portable ones.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::new("change_type_under_views_applies_and_rolls_back", |ctx| {
        Box::pin(change_type_under_views(ctx))
    }),
    Scenario::new("steps_that_break_views_are_refused_in_plan", |ctx| {
        Box::pin(breaking_steps_refused(ctx))
    }),
    Scenario::new("fields_keep_their_place_through_rename_and_drop", |ctx| {
        Box::pin(field_order(ctx))
    }),
    Scenario::new("validation_settings_come_back_with_rollback", |ctx| {
        Box::pin(validation_settings(ctx))
    }),
    Scenario::new("change_type_within_a_bson_type_and_to_bytes", |ctx| {
        Box::pin(change_type_same_bson_type(ctx))
    }),
];

async fn shop(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "orders", "validator": { "$jsonSchema": { "bsonType": "object", "required": ["status"] } } }),
        json!({ "insert": "orders", "documents": [
            { "_id": 1, "status": "paid", "amount": "10", "note": "first" },
            { "_id": 2, "status": "new", "amount": "7" },
            { "_id": 3, "status": "paid", "amount": "abc", "note": null },
        ] }),
        json!({ "createIndexes": "orders", "indexes": [{ "key": { "status": 1 }, "name": "orders_status" }] }),
        json!({ "create": "paid_orders", "viewOn": "orders", "pipeline": [{ "$match": { "status": "paid" } }] }),
        json!({ "create": "paid_amounts", "viewOn": "paid_orders", "pipeline": [{ "$project": { "amount": 1 } }] }),
    ])
    .await
}

/// A view is evaluated when read: a converted field leaves it valid.
async fn change_type_under_views(ctx: &TestContext) -> anyhow::Result<()> {
    shop(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "amounts",
        "[[step]]\nop = \"change_type\"\ntable = \"orders\"\ncolumn = \"amount\"\nto = \"int32\"\non_incompatible = \"set_null\"\n",
    )?;
    ctx.apply().await?;
    let rows = ctx.rows("orders").await?;
    ensure!(
        rows.iter()
            .any(|r| r["amount"] == strata_core::Value::Int(10)),
        "not converted: {rows:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A removed or renamed field, or a renamed collection, breaks the views that read it.
async fn breaking_steps_refused(ctx: &TestContext) -> anyhow::Result<()> {
    shop(ctx).await?;
    let before = ctx.capture().await?;
    let cases = [
        (
            "[[step]]\nop = \"drop_column\"\ntable = \"orders\"\ncolumn = \"amount\"\n",
            "view paid_amounts name field \"amount\" in their pipelines and would break once it is removed",
        ),
        (
            "[[step]]\nop = \"rename_column\"\ntable = \"orders\"\ncolumn = \"status\"\nto = \"state\"\n",
            "view paid_orders name field \"status\"",
        ),
        (
            "[[step]]\nop = \"rename_table\"\ntable = \"orders\"\nto = \"purchases\"\n",
            "view paid_orders, view paid_amounts read collection \"orders\" by name",
        ),
    ];
    for (i, (step, refusal)) in cases.iter().enumerate() {
        let path = ctx.write(1, &format!("case{i}"), step)?;
        expect_refused(ctx.apply().await, refusal)?;
        std::fs::remove_file(path)?;
    }
    // A field no view names is removed as usual.
    ctx.write(
        1,
        "note",
        "[[step]]\nop = \"drop_column\"\ntable = \"orders\"\ncolumn = \"note\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// The number of documents of `collection` whose fields are, in this order, `fields`.
async fn shaped(ctx: &TestContext, collection: &str, fields: &[&str]) -> anyhow::Result<i64> {
    let keys = json!({ "$map": { "input": { "$objectToArray": "$$ROOT" }, "in": "$$this.k" } });
    Ok(ctx
        .driver
        .query_count(&strata_core::Statement::Command(json!({
            "aggregate": collection,
            "pipeline": [{ "$match": { "$expr": { "$eq": [keys, fields] } } }, { "$count": "n" }]
        })))
        .await?)
}

/// A document's fields have an order (`{a: 1, b: 2}` does not equal `{b: 2, a: 1}`):
/// `$rename` would move a renamed field to the end, and a dropped field set back with `$set`
/// would come back last. A rename keeps the field where it stands, and rollback puts a
/// dropped field back at its place.
async fn field_order(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "people" }),
        json!({ "insert": "people", "documents": [
            { "_id": 1, "name": "Ada", "nick": "ada", "born": 1815, "city": "London" },
            { "_id": 2, "name": "Alan", "nick": null, "born": 1912 },
            { "_id": 3, "name": "Grace", "born": 1906, "city": "New York" },
        ] }),
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "reshape",
        "[[step]]\nop = \"rename_column\"\ntable = \"people\"\ncolumn = \"name\"\nto = \"full_name\"\n\n\
         [[step]]\nop = \"drop_column\"\ntable = \"people\"\ncolumn = \"nick\"\n",
    )?;
    ctx.apply().await?;
    let renamed = (
        shaped(ctx, "people", &["_id", "full_name", "born", "city"]).await?,
        shaped(ctx, "people", &["_id", "full_name", "born"]).await?,
    );
    ensure!(
        renamed == (2, 1),
        "the renamed field must stay where it stood: {renamed:?}"
    );
    ctx.rollback(1).await?;
    let restored = (
        shaped(ctx, "people", &["_id", "name", "nick", "born", "city"]).await?,
        shaped(ctx, "people", &["_id", "name", "nick", "born"]).await?,
        shaped(ctx, "people", &["_id", "name", "born", "city"]).await?,
    );
    ensure!(
        restored == (1, 1, 1),
        "rollback must put every field back at its place: {restored:?}"
    );
    ctx.assert_restored(&before).await
}

/// strata's validator is strict and erring; rollback gives a collection back its own level
/// and action, and a collection that had no validator has none again (`collMod` leaves an
/// empty one, which validates nothing).
async fn validation_settings(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "plain" }),
        json!({ "insert": "plain", "documents": [{ "_id": 1, "a": 1 }] }),
        json!({ "create": "lenient", "validator": { "b": { "$type": "string" } },
                "validationLevel": "moderate", "validationAction": "warn" }),
        json!({ "insert": "lenient", "documents": [{ "_id": 1, "b": "x" }, { "_id": 2, "b": "y" }] }),
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "require",
        "[[step]]\nop = \"set_not_null\"\ntable = \"plain\"\ncolumn = \"a\"\n\n\
         [[step]]\nop = \"set_not_null\"\ntable = \"lenient\"\ncolumn = \"b\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// `string(4)` from text is a string to string change: the values too long are replaced all
/// the same (they are of the target's BSON type already). `bytes` takes binary data only, on
/// every server: `$convert` knows `binData` from MongoDB 8.0 on, and an unknown target fails
/// the whole command.
async fn change_type_same_bson_type(ctx: &TestContext) -> anyhow::Result<()> {
    use strata_core::Value;
    ctx.run_commands(&[
        json!({ "create": "codes" }),
        json!({ "insert": "codes", "documents": [
            { "_id": 1, "code": "ab", "raw": "not binary" },
            { "_id": 2, "code": "abcdefgh", "raw": { "$binary": { "base64": "AAH/", "subType": "00" } } },
            { "_id": 3, "code": null, "raw": 7 },
        ] }),
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "narrow",
        "[[step]]\nop = \"change_type\"\ntable = \"codes\"\ncolumn = \"code\"\nto = \"string(4)\"\n\
         on_incompatible = \"use_default\"\ndefault = \"long\"\n\n\
         [[step]]\nop = \"change_type\"\ntable = \"codes\"\ncolumn = \"raw\"\nto = \"bytes\"\n\
         on_incompatible = \"set_null\"\n",
    )?;
    ctx.apply().await?;
    let rows = ctx.rows("codes").await?;
    let mut want = vec![
        row(&[("code", Value::Text("ab".into())), ("raw", Value::Null)]),
        row(&[
            ("code", Value::Text("long".into())),
            ("raw", Value::Bytes(vec![0, 1, 255])),
        ]),
        row(&[("code", Value::Null), ("raw", Value::Null)]),
    ];
    want.sort_by_key(|r| serde_json::to_string(r).unwrap_or_default());
    ensure!(rows == want, "converted: {rows:?}");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
