//! MongoDB scenarios on collections built with the server's own commands, the way other
//! tools and people make them, not through strata: a validator of the user's, documents with
//! mixed types, views and views on views. Each round trip compares the engine's whole
//! catalog (`listCollections` options, index specs, documents) before and after rollback.

use anyhow::ensure;
use serde_json::json;
use strata_conformance::scenarios::expect_refused;
use strata_conformance::{Scenario, TestContext};

/// The scenarios, run by the conformance harness after the portable ones.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::new("change_type_under_views_applies_and_rolls_back", |ctx| {
        Box::pin(change_type_under_views(ctx))
    }),
    Scenario::new("steps_that_break_views_are_refused_in_plan", |ctx| {
        Box::pin(breaking_steps_refused(ctx))
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
