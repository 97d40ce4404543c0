//! MongoDB scenarios on collections built with the server's own commands, the way other
//! tools and people make them, not through strata: a validator of the user's, documents with
//! mixed types, views and views on views. Each round trip compares the engine's whole
//! catalog (`listCollections` options, index specs, documents) before and after rollback.

use anyhow::{ensure, Context as _};
use serde_json::{json, Value as Json};
use strata_conformance::scenarios::expect_refusal_mentioning;
use strata_conformance::{row, Scenario, TestContext};
use strata_core::{runner, ActionKind};

/// The scenarios, run by the conformance harness after the portable ones.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::new(
        "verify_holds_for_odd_required_names_and_empty_backups",
        |ctx| Box::pin(verify_without_false_failures(ctx)),
    ),
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
    Scenario::new("an_index_mongodb_already_has_is_refused_in_plan", |ctx| {
        Box::pin(same_index_refused(ctx))
    }),
    Scenario::new("indexes_follow_renamed_and_dropped_fields", |ctx| {
        Box::pin(indexes_follow_fields(ctx))
    }),
    Scenario::new("later_steps_see_what_earlier_steps_made", |ctx| {
        Box::pin(later_steps_see_earlier_ones(ctx))
    }),
    Scenario::new("literals_take_the_type_of_their_field", |ctx| {
        Box::pin(typed_literals(ctx))
    }),
    Scenario::new(
        "writes_that_would_repeat_a_unique_key_are_refused_in_plan",
        |ctx| Box::pin(colliding_writes_refused(ctx)),
    ),
    Scenario::new(
        "counts_that_earlier_steps_would_change_are_refused_in_plan",
        |ctx| Box::pin(stale_counts_refused(ctx)),
    ),
    Scenario::new("relations_follow_what_they_reference", |ctx| {
        Box::pin(relations_follow(ctx))
    }),
    Scenario::new("a_collection_has_the_fields_its_schema_declares", |ctx| {
        Box::pin(declared_fields(ctx))
    }),
    Scenario::new("a_rename_onto_a_field_documents_hold_is_refused", |ctx| {
        Box::pin(rename_onto_unlisted_field(ctx))
    }),
    Scenario::new("a_default_over_a_field_documents_hold_is_refused", |ctx| {
        Box::pin(default_over_unlisted_field(ctx))
    }),
    Scenario::new("bool_conversion_takes_portable_values_only", |ctx| {
        Box::pin(bool_conversion(ctx))
    }),
    Scenario::new("field_names_mongodb_reads_as_paths_are_refused", |ctx| {
        Box::pin(path_like_names_refused(ctx))
    }),
    Scenario::new(
        "collection_names_mongodb_rejects_are_refused_in_plan",
        |ctx| Box::pin(collection_names_refused(ctx)),
    ),
];

/// A new collection named with `$` (or a dot, read as a schema): refused in the plan, naming
/// why, instead of the server's raw `InvalidNamespace` once earlier steps ran.
async fn collection_names_refused(ctx: &TestContext) -> anyhow::Result<()> {
    let before = ctx.capture().await?;
    for (name, why) in [
        ("a$b", "may not contain `$`"),
        (
            "system.mine",
            "schema-qualified names are not supported on MongoDB",
        ),
    ] {
        let path = ctx.write(
            1,
            "bad",
            &format!("[[step]]\nop = \"create_table\"\ntable = \"{name}\"\ncolumns = [{{ name = \"id\", type = \"int64\", primary_key = true }}]\n"),
        )?;
        expect_refusal_mentioning(ctx.apply().await, why)?;
        std::fs::remove_file(path)?;
    }
    ensure!(
        ctx.capture().await? == before,
        "a refused plan changed the database"
    );
    Ok(())
}

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
    ctx.expect_refusals(&cases).await?;
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

async fn catalogued(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "books", "validator": { "$jsonSchema": { "bsonType": "object", "required": ["isbn"] } } }),
        json!({ "insert": "books", "documents": [
            { "_id": 1, "isbn": "978-0", "title": "Dune", "shelf": "A1", "year": 1965 },
            { "_id": 2, "isbn": "978-1", "title": "Emma", "shelf": "B2", "year": 1815 },
            { "_id": 3, "isbn": "978-2", "title": "Ulysses", "year": 1922 },
        ] }),
        json!({ "createIndexes": "books", "indexes": [
            { "key": { "isbn": 1 }, "name": "books_isbn", "unique": true },
            { "key": { "shelf": 1, "year": -1 }, "name": "books_shelf_year" },
            { "key": { "title": 1 }, "name": "books_title" },
            { "key": { "year": 1 }, "name": "books_shelved_year", "partialFilterExpression": { "shelf": { "$exists": true } } },
        ] }),
    ])
    .await
}

/// MongoDB keeps one index per key and options (its signature: key, collation, partial
/// filter, unique, sparse) and refuses a second under another name, half way through a
/// migration: strata refuses it in plan, naming the one there is. A unique index on the
/// same key is another index.
async fn same_index_refused(ctx: &TestContext) -> anyhow::Result<()> {
    catalogued(ctx).await?;
    let before = ctx.capture().await?;
    let path = ctx.write(
        1,
        "twice",
        "[[step]]\nop = \"add_index\"\ntable = \"books\"\ncolumns = [\"title\"]\nname = \"by_title\"\n",
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "already has index \"books_title\" on (title)",
    )?;
    std::fs::remove_file(path)?;
    ctx.write(
        1,
        "unique",
        "[[step]]\nop = \"add_unique\"\ntable = \"books\"\ncolumns = [\"title\"]\nname = \"books_title_key\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// An index names its fields and does not follow them: `rename_column` builds each index
/// whose key or partial filter names the field again on the new name (a unique one would
/// otherwise refuse the rename: every document but one would lack the field), and
/// `drop_column` drops the indexes keyed on the field, as the plan's model has it; rollback
/// builds them back after the values.
async fn indexes_follow_fields(ctx: &TestContext) -> anyhow::Result<()> {
    catalogued(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "reshelve",
        "[[step]]\nop = \"rename_column\"\ntable = \"books\"\ncolumn = \"isbn\"\nto = \"code\"\n\n\
         [[step]]\nop = \"rename_column\"\ntable = \"books\"\ncolumn = \"shelf\"\nto = \"place\"\n\n\
         [[step]]\nop = \"drop_column\"\ntable = \"books\"\ncolumn = \"title\"\n",
    )?;
    ctx.apply().await?;
    let schema = ctx.schema().await?;
    let books = schema
        .table(&"books".parse().map_err(anyhow::Error::msg)?)
        .cloned();
    let specs: Vec<String> = books
        .map(|t| t.indexes.iter().map(|i| i.definition.clone()).collect())
        .unwrap_or_default();
    let want = [
        r#"{"key":{"code":1},"name":"books_isbn","unique":true}"#,
        r#"{"key":{"place":1,"year":-1},"name":"books_shelf_year"}"#,
        r#"{"key":{"year":1},"name":"books_shelved_year","partialFilterExpression":{"place":{"$exists":true}}}"#,
    ];
    ensure!(specs == want, "indexes after the renames: {specs:#?}");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// Each step compiles against the schema the earlier ones leave, MongoDB's definitions
/// included: an index made and dropped in one migration comes back from its spec, and a
/// collection renamed after a field became required keeps strata's validator.
async fn later_steps_see_earlier_ones(ctx: &TestContext) -> anyhow::Result<()> {
    catalogued(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "chain",
        "[[step]]\nop = \"add_index\"\ntable = \"books\"\ncolumns = [\"year\", \"title\"]\nname = \"by_year\"\n\n\
         [[step]]\nop = \"add_unique\"\ntable = \"books\"\ncolumns = [\"title\"]\nname = \"books_title_key\"\n\n\
         [[step]]\nop = \"drop_index\"\ntable = \"books\"\nname = \"by_year\"\n\n\
         [[step]]\nop = \"drop_index\"\ntable = \"books\"\nname = \"books_title_key\"\n\n\
         [[step]]\nop = \"set_not_null\"\ntable = \"books\"\ncolumn = \"title\"\n\n\
         [[step]]\nop = \"rename_table\"\ntable = \"books\"\nto = \"volumes\"\n",
    )?;
    ctx.apply().await?;
    let schema = ctx.schema().await?;
    let volumes = schema
        .table(&"volumes".parse().map_err(anyhow::Error::msg)?)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("volumes is missing"))?;
    ensure!(
        volumes.column("title").is_some_and(|c| !c.nullable),
        "title must stay required once the collection is renamed: {:?}",
        volumes.column("title")
    );
    let refused = ctx
        .run_commands(&[
            json!({ "insert": "volumes", "documents": [{ "_id": 9, "isbn": "978-9" }] }),
        ])
        .await;
    ensure!(
        refused.is_err(),
        "the renamed collection's validator must require title"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A literal is typed by the field it goes into: `bytes` as hex (strata's text for binary
/// data, as in its backups), an `int32` that does not fit stays out of it. A `change_type`
/// default that is not of the new type is refused in plan: the conversion could not finish
/// (every batch would find the field still not converted).
async fn typed_literals(ctx: &TestContext) -> anyhow::Result<()> {
    use strata_core::Value;
    ctx.run_commands(&[
        json!({ "create": "blobs" }),
        json!({ "insert": "blobs", "documents": [
            { "_id": 1, "data": { "$binary": { "base64": "AAH/", "subType": "00" } }, "n": 1.5, "size": 1,
              "total": { "$numberLong": "7" } },
            { "_id": 2, "data": null, "n": 2.0, "size": 2, "total": { "$numberLong": "8" } },
        ] }),
    ])
    .await?;
    let before = ctx.capture().await?;
    for (i, default) in ["3000000000", "\"many\""].iter().enumerate() {
        let path = ctx.write(
            1,
            &format!("unfit{i}"),
            &format!("[[step]]\nop = \"change_type\"\ntable = \"blobs\"\ncolumn = \"n\"\nto = \"int32\"\n\
                      on_incompatible = \"use_default\"\ndefault = {default}\n"),
        )?;
        expect_refusal_mentioning(ctx.apply().await, "is not a value of type int32")?;
        std::fs::remove_file(path)?;
    }
    let fill = json!({ "step": [
        { "op": "backfill", "table": "blobs", "set": { "data": "cafe" }, "where": { "data": null } },
        { "op": "backfill", "table": "blobs", "set": { "total": 5 } },
        { "op": "change_type", "table": "blobs", "column": "size", "to": "bytes",
          "on_incompatible": "use_default", "default": "00ff" },
    ] });
    ctx.write_file(1, "fill", "json", &fill.to_string())?;
    ctx.apply().await?;
    let rows = ctx.rows("blobs").await?;
    let data: Vec<&Value> = rows.iter().map(|r| &r["data"]).collect();
    ensure!(
        data.contains(&&Value::Bytes(vec![0xca, 0xfe]))
            && data.contains(&&Value::Bytes(vec![0, 1, 255])),
        "backfilled: {rows:?}"
    );
    ensure!(
        rows.iter().all(|r| r["size"] == Value::Bytes(vec![0, 255])),
        "converted: {rows:?}"
    );
    // A long stays a long, though 5 fits in 32 bits.
    let longs = ctx
        .driver
        .query_count(&strata_core::Statement::Command(
            json!({ "count": "blobs", "query": { "total": { "$type": "long" } } }),
        ))
        .await?;
    ensure!(longs == 2, "{longs} of 2 totals are longs");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

async fn members(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "clubs" }),
        json!({ "insert": "clubs", "documents": [
            { "_id": 1, "id": 1, "name": "chess" },
            { "_id": 2, "id": 2, "name": "go" },
        ] }),
        json!({ "createIndexes": "clubs", "indexes": [
            { "key": { "id": 1 }, "name": "clubs_pkey", "unique": true },
            { "key": { "name": 1 }, "name": "clubs_name_key", "unique": true },
        ] }),
        json!({ "create": "members" }),
        json!({ "insert": "members", "documents": [
            { "_id": 1, "badge": "01", "email": null, "club": 1 },
            { "_id": 2, "badge": "1", "email": "b@example.com", "club": 7 },
            { "_id": 3, "badge": "2", "email": "c@example.com", "club": 8 },
        ] }),
        json!({ "createIndexes": "members", "indexes": [
            { "key": { "badge": 1 }, "name": "members_badge", "unique": true },
            { "key": { "email": 1 }, "name": "members_email", "unique": true,
              "partialFilterExpression": { "email": { "$type": "string" } } },
            { "key": { "club": 1 }, "name": "members_club", "unique": true },
        ] }),
    ])
    .await
}

/// A write that repeats a key of a unique index stops half way on MongoDB (`DuplicateKey`;
/// SecantusDB's `$merge` even drops the documents it could not write): the keys the new
/// values would repeat are counted in plan, with the index's own view of the documents (a
/// missing field is null, a partial index holds what its filter matches).
async fn colliding_writes_refused(ctx: &TestContext) -> anyhow::Result<()> {
    members(ctx).await?;
    let before = ctx.capture().await?;
    let cases = [
        // "01" and "1" are both 1 as int32.
        (
            json!({ "op": "change_type", "table": "members", "column": "badge", "to": "int32" }),
            "would repeat 1 keys of unique index members_badge (badge)",
        ),
        (
            json!({ "op": "backfill", "table": "members", "set": { "badge": "9" } }),
            "would repeat 1 keys of unique index members_badge",
        ),
        // Orphans 7 and 8: two nulls.
        (
            json!({ "op": "add_foreign_key", "table": "members", "columns": ["club"],
                    "references": { "table": "clubs", "columns": ["id"] }, "orphans": "set_null" }),
            "would repeat 1 keys of unique index members_club (club)",
        ),
        // Two placeholders, neither with a name.
        (
            json!({ "op": "add_foreign_key", "table": "members", "columns": ["club"],
                    "references": { "table": "clubs", "columns": ["id"] }, "orphans": "placeholder" }),
            "would repeat 1 keys of unique index clubs_name_key (name) of \"clubs\"",
        ),
        // The partial index holds strings only: the one null it does not hold, filled with
        // the string another document has, collides.
        (
            json!({ "op": "set_not_null", "table": "members", "column": "email", "fill": "c@example.com" }),
            "would repeat 1 keys of unique index members_email",
        ),
    ];
    ctx.expect_json_refusals(&cases).await?;
    ensure!(
        ctx.capture().await?.catalog == before.catalog,
        "a refused migration changed the database"
    );
    // One document written: nothing repeats.
    let one = json!({ "step": [
        { "op": "backfill", "table": "members", "set": { "badge": "9" }, "where": { "club": 7 } },
        { "op": "set_not_null", "table": "members", "column": "email", "fill": "a@example.com" },
    ] });
    ctx.write_file(1, "one", "json", &one.to_string())?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// The plan counts on the documents as they are; a check an earlier step of the migration
/// would change the outcome of could fail half way at apply time, which MongoDB cannot take
/// back: refused in plan, naming that step.
async fn stale_counts_refused(ctx: &TestContext) -> anyhow::Result<()> {
    members(ctx).await?;
    let before = ctx.capture().await?;
    let cases = [
        (
            json!([
                { "op": "rename_column", "table": "members", "column": "badge", "to": "code" },
                { "op": "change_type", "table": "members", "column": "code", "to": "int32" },
            ]),
            "members.code: renamed (from badge) by step 1 of this migration",
        ),
        (
            json!([
                { "op": "add_column", "table": "members", "column": "level", "type": "int32", "default": 1 },
                { "op": "add_unique", "table": "members", "columns": ["level"], "name": "members_level" },
            ]),
            "members.level: added with a default by step 1",
        ),
        (
            json!([
                { "op": "create_table", "table": "teams", "columns": [{ "name": "id", "type": "int64", "primary_key": true }] },
                { "op": "add_foreign_key", "table": "members", "columns": ["club"],
                  "references": { "table": "teams", "columns": ["id"] } },
            ]),
            "the documents of teams: created by step 1",
        ),
        // Distinct badges now; every document without one (null, thrice) after step 2.
        (
            json!([
                { "op": "drop_column", "table": "members", "column": "badge" },
                { "op": "add_column", "table": "members", "column": "badge", "type": "text" },
                { "op": "add_unique", "table": "members", "columns": ["badge"], "name": "members_badge_again" },
            ]),
            "members.badge: dropped (and added again later) by step 1",
        ),
        // Placeholders hold the key only.
        (
            json!([
                { "op": "add_foreign_key", "table": "members", "columns": ["club"],
                  "references": { "table": "clubs", "columns": ["id"] }, "orphans": "placeholder" },
                { "op": "set_not_null", "table": "clubs", "column": "name" },
            ]),
            "the documents of clubs: given placeholders by step 1",
        ),
    ];
    for (i, (steps, refusal)) in cases.iter().enumerate() {
        let path = ctx.write_file(
            1,
            &format!("case{i}"),
            "json",
            &json!({ "step": steps }).to_string(),
        )?;
        expect_refusal_mentioning(ctx.apply().await, refusal)?;
        std::fs::remove_file(path)?;
    }
    // A relation between collections the migration makes has nothing to count.
    let fresh = json!({ "step": [
        { "op": "create_table", "table": "leagues", "columns": [{ "name": "id", "type": "int64", "primary_key": true }] },
        { "op": "create_table", "table": "games", "columns": [
            { "name": "id", "type": "int64", "primary_key": true }, { "name": "league", "type": "int64" },
        ] },
        { "op": "add_foreign_key", "table": "games", "columns": ["league"],
          "references": { "table": "leagues", "columns": ["id"] } },
    ] });
    ctx.write_file(1, "fresh", "json", &fresh.to_string())?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A relation names the collection and the fields it references: renaming them renames them
/// in the relation (recorded in the referencing collection's metadata), and a referenced
/// field cannot be dropped from under it.
async fn relations_follow(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "clubs" }),
        json!({ "insert": "clubs", "documents": [{ "_id": 1, "id": 1, "name": "chess" }, { "_id": 2, "id": 2, "name": "go" }] }),
        json!({ "createIndexes": "clubs", "indexes": [{ "key": { "id": 1 }, "name": "clubs_pkey", "unique": true }] }),
        json!({ "create": "members" }),
        json!({ "insert": "members", "documents": [{ "_id": 1, "club": 1 }, { "_id": 2, "club": 2 }, { "_id": 3, "club": null }] }),
    ])
    .await?;
    ctx.write_file(
        1,
        "relate",
        "json",
        &json!({ "step": [{ "op": "add_foreign_key", "table": "members", "columns": ["club"],
                            "references": { "table": "clubs", "columns": ["id"] }, "name": "members_club_fk" }] })
            .to_string(),
    )?;
    ctx.apply().await?;
    let before = ctx.capture().await?;
    let path = ctx.write_file(
        2,
        "drop",
        "json",
        &json!({ "step": [{ "op": "drop_column", "table": "clubs", "column": "id" }] }).to_string(),
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "field \"id\" of \"clubs\" is referenced by relations members.members_club_fk",
    )?;
    std::fs::remove_file(path)?;
    ctx.write_file(
        2,
        "rename",
        "json",
        &json!({ "step": [
            { "op": "rename_column", "table": "clubs", "column": "id", "to": "club_id" },
            { "op": "rename_table", "table": "clubs", "to": "societies" },
        ] })
        .to_string(),
    )?;
    ctx.apply().await?;
    let schema = ctx.schema().await?;
    let relation = schema
        .table(&"members".parse().map_err(anyhow::Error::msg)?)
        .and_then(|t| t.constraint("members_club_fk"))
        .map(|c| c.definition.clone())
        .unwrap_or_default();
    let relation: serde_json::Value = serde_json::from_str(&relation)?;
    ensure!(
        relation["references"] == "societies" && relation["ref_columns"] == json!(["club_id"]),
        "the relation must follow: {relation}"
    );
    let checks = ctx
        .driver
        .server()
        .context("server operations")?
        .verify()
        .await?;
    ensure!(checks.iter().all(|c| c.ok), "verify: {checks:?}");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A collection strata never managed has the fields its `$jsonSchema` declares, with their
/// types and whether they are required, documents or none; then those its documents hold
/// besides.
async fn declared_fields(ctx: &TestContext) -> anyhow::Result<()> {
    use strata_core::PortableType;
    ctx.run_commands(&[
        json!({ "create": "stock", "validator": { "$jsonSchema": {
            "bsonType": "object", "required": ["sku", "qty"],
            "properties": {
                "sku": { "bsonType": "string", "maxLength": 12 },
                "qty": { "bsonType": ["int", "null"] },
                "price": { "bsonType": "decimal" },
                "tags": { "bsonType": "array" },
            }
        } } }),
        json!({ "create": "later" }),
        json!({ "insert": "later", "documents": [{ "_id": 1, "extra": true }] }),
        json!({ "collMod": "later", "validator": { "$and": [
            { "$jsonSchema": { "required": ["code"], "properties": { "code": { "bsonType": "long" } } } },
            { "extra": { "$exists": true } },
        ] }, "validationLevel": "moderate" }),
    ])
    .await?;
    let schema = ctx.schema().await?;
    let columns = |t: &str| -> Vec<(String, Option<PortableType>, bool)> {
        schema.tables[t]
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.portable, c.nullable))
            .collect()
    };
    ensure!(
        columns("stock")
            == [
                ("sku".into(), Some(PortableType::String { len: 12 }), false),
                ("qty".into(), Some(PortableType::Int32), true),
                (
                    "price".into(),
                    Some(PortableType::Decimal {
                        precision: 34,
                        scale: 0
                    }),
                    true
                ),
                ("tags".into(), Some(PortableType::Json), true),
            ],
        "stock: {:?}",
        columns("stock")
    );
    ensure!(
        columns("later")
            == [
                ("code".into(), Some(PortableType::Int64), false),
                ("extra".into(), Some(PortableType::Bool), true),
            ],
        "later: {:?}",
        columns("later")
    );
    let before = ctx.capture().await?;
    ctx.write_file(
        1,
        "stock",
        "json",
        &json!({ "step": [
            { "op": "set_not_null", "table": "stock", "column": "price" },
            { "op": "add_index", "table": "stock", "columns": ["qty"], "name": "stock_qty" },
            { "op": "rename_column", "table": "stock", "column": "tags", "to": "labels" },
        ] })
        .to_string(),
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// 101 documents `{_id, <key>}`; the last, past the hundred `inspect` samples, also holds
/// `hidden` = `value`.
fn past_the_sample(key: &str, hidden: &str, value: Json) -> Vec<Json> {
    let mut docs: Vec<Json> = (1..=100)
        .map(|i| json!({ "_id": i, key: format!("v{i}") }))
        .collect();
    docs.push(json!({ "_id": 101, key: "v101", hidden: value }));
    docs
}

/// Plans the pending migration, runs `between` (a write made after the plan), and returns
/// what the plan's check action whose description holds `check` counts then.
async fn counted_after(ctx: &TestContext, check: &str, between: Json) -> anyhow::Result<i64> {
    let plans = runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    ensure!(
        plans.iter().all(|p| p.refusals().is_empty()),
        "refused: {:?}",
        plans[0].refusals()
    );
    let action = plans
        .iter()
        .flat_map(|p| &p.steps)
        .flat_map(|s| &s.actions)
        .find(|a| a.kind == ActionKind::Check && a.description.contains(check))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the plan has no check \"{check}\""))?;
    ctx.run_commands(&[between]).await?;
    Ok(ctx.driver.query_count(&action.forward).await?)
}

/// The schema of a collection strata never managed lists the fields of the first hundred
/// documents: a later one may hold the field a rename names as its new name, and the rename
/// would replace its value. Refused in plan with the count, and checked again at apply time,
/// for a document written in between.
async fn rename_onto_unlisted_field(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "people" }),
        json!({ "insert": "people", "documents": past_the_sample("name", "full_name", json!("Zed Zero")) }),
    ])
    .await?;
    let refused = ctx.capture().await?;
    let path = ctx.write(
        1,
        "rename",
        "[[step]]\nop = \"rename_column\"\ntable = \"people\"\ncolumn = \"name\"\nto = \"full_name\"\n",
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "1 documents of \"people\" already hold a field \"full_name\"",
    )?;
    ensure!(
        ctx.capture().await?.catalog == refused.catalog,
        "a refused rename changed the documents"
    );
    let unset = json!({ "update": "people", "updates": [{ "q": { "_id": 101 }, "u": { "$unset": { "full_name": "" } } }] });
    ctx.run_commands(std::slice::from_ref(&unset)).await?;
    let before = ctx.capture().await?;
    let written = counted_after(
        ctx,
        "full_name",
        json!({ "update": "people", "updates": [{ "q": { "_id": 101 }, "u": { "$set": { "full_name": "Zed" } } }] }),
    )
    .await?;
    ensure!(
        written == 1,
        "the apply-time check counts {written} documents holding full_name, not 1"
    );
    ctx.run_commands(&[unset]).await?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await?;
    // A field an earlier step of the migration drops from every document is free.
    std::fs::remove_file(path)?;
    ctx.run_commands(&[json!({ "update": "people", "updates": [{ "q": {}, "u": { "$set": { "nick": "n" } }, "multi": true }] })])
        .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "swap",
        "[[step]]\nop = \"drop_column\"\ntable = \"people\"\ncolumn = \"nick\"\n\n\
         [[step]]\nop = \"rename_column\"\ntable = \"people\"\ncolumn = \"name\"\nto = \"nick\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// `add_column` with a default writes it where the field is missing, and rollback removes
/// the field: from a document that held it already (past the sample), its own value. Refused
/// in plan with the count, and checked again at apply time.
async fn default_over_unlisted_field(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "items" }),
        json!({ "insert": "items", "documents": past_the_sample("sku", "qty", json!(5)) }),
    ])
    .await?;
    ctx.write(
        1,
        "qty",
        "[[step]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = \"qty\"\ntype = \"int32\"\ndefault = 0\n",
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "1 documents of \"items\" already hold a field \"qty\"",
    )?;
    let unset = json!({ "update": "items", "updates": [{ "q": { "_id": 101 }, "u": { "$unset": { "qty": "" } } }] });
    ctx.run_commands(std::slice::from_ref(&unset)).await?;
    let before = ctx.capture().await?;
    let written = counted_after(
        ctx,
        "qty",
        json!({ "update": "items", "updates": [{ "q": { "_id": 101 }, "u": { "$set": { "qty": 7 } } }] }),
    )
    .await?;
    ensure!(
        written == 1,
        "the apply-time check counts {written} documents holding qty, not 1"
    );
    ctx.run_commands(&[unset]).await?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// `$convert` to bool makes every string true ("false" and "" too), every date true and
/// every non-zero number true. strata takes what the SQL drivers take: the strings "true",
/// "false", "1" and "0" (any case, spaces trimmed) and the numbers 0 and 1; anything else
/// is incompatible, in the plan's count and examples, the conversion and its verification.
async fn bool_conversion(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "flags" }),
        json!({ "insert": "flags", "documents": [
            { "_id": 1, "on": "true" }, { "_id": 2, "on": " FALSE " }, { "_id": 3, "on": "1" },
            { "_id": 4, "on": "0" }, { "_id": 5, "on": 1 }, { "_id": 6, "on": { "$numberLong": "0" } },
            { "_id": 7, "on": { "$numberDouble": "1.0" } }, { "_id": 8, "on": true }, { "_id": 9, "on": null },
            { "_id": 10, "on": "false" },
            // Incompatible:
            { "_id": 11, "on": "" }, { "_id": 12, "on": "yes" }, { "_id": 13, "on": 2 },
            { "_id": 14, "on": { "$date": "2020-01-01T00:00:00Z" } }, { "_id": 15, "on": { "$numberDouble": "0.5" } },
        ] }),
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "flags",
        "[[step]]\nop = \"change_type\"\ntable = \"flags\"\ncolumn = \"on\"\nto = \"bool\"\non_incompatible = \"set_null\"\n",
    )?;
    let plans = runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let finding = &plans[0].steps[0].analysis.findings[0];
    ensure!(
        finding.count == 5,
        "{} incompatible values counted, not 5: {:?}",
        finding.count,
        finding.examples
    );
    ensure!(
        finding.examples.len() == 5 && finding.examples.iter().any(|e| e.contains("\"yes\"")),
        "examples: {:?}",
        finding.examples
    );
    ctx.apply().await?;
    let count = |query: Json| async move {
        ctx.driver
            .query_count(&strata_core::Statement::Command(
                json!({ "count": "flags", "query": query }),
            ))
            .await
    };
    let truths = count(json!({ "_id": { "$in": [1, 3, 5, 7, 8] }, "on": true })).await?;
    let falsehoods = count(json!({ "_id": { "$in": [2, 4, 6, 10] }, "on": false })).await?;
    let nulls = count(json!({ "_id": { "$in": [9, 11, 12, 13, 14, 15] }, "on": null })).await?;
    ensure!(
        (truths, falsehoods, nulls) == (5, 4, 6),
        "converted (true, false, null): {:?}",
        (truths, falsehoods, nulls)
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// MongoDB reads a `.` in a field name as a path into an embedded document, and a leading
/// `$` in an update or an expression as an operator or a field path: strata's filters,
/// `$set`/`$unset` and `"$field"` expressions would address other fields than the step
/// names. Every step naming such a field is refused in plan, naming it; steps on the other
/// fields of the collection run as usual.
async fn path_like_names_refused(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "odd" }),
        json!({ "insert": "odd", "documents": [
            { "_id": 1, "$comment": "x", "a.b": 1, "plain": 1 },
            { "_id": 2, "$comment": "y", "a.b": 2, "plain": 2 },
        ] }),
    ])
    .await?;
    let before = ctx.capture().await?;
    let dotted = "field \"a.b\"";
    let dollar = "field \"$comment\"";
    let cases = [
        (
            json!({ "op": "drop_column", "table": "odd", "column": "$comment" }),
            dollar,
        ),
        (
            json!({ "op": "rename_column", "table": "odd", "column": "a.b", "to": "ab" }),
            dotted,
        ),
        (
            json!({ "op": "rename_column", "table": "odd", "column": "plain", "to": "x.y" }),
            "field \"x.y\"",
        ),
        (
            json!({ "op": "add_column", "table": "odd", "column": "$new", "type": "int32" }),
            "field \"$new\"",
        ),
        (
            json!({ "op": "change_type", "table": "odd", "column": "a.b", "to": "text" }),
            dotted,
        ),
        (
            json!({ "op": "set_not_null", "table": "odd", "column": "$comment", "fill": "z" }),
            dollar,
        ),
        (
            json!({ "op": "drop_not_null", "table": "odd", "column": "a.b" }),
            dotted,
        ),
        (
            json!({ "op": "set_default", "table": "odd", "column": "a.b", "value": 0 }),
            dotted,
        ),
        (
            json!({ "op": "add_index", "table": "odd", "columns": ["plain", "a.b"], "name": "odd_ab" }),
            dotted,
        ),
        (
            json!({ "op": "add_unique", "table": "odd", "columns": ["$comment"], "name": "odd_c" }),
            dollar,
        ),
        (
            json!({ "op": "backfill", "table": "odd", "set": { "plain": 3 }, "where": { "a.b": 1 } }),
            dotted,
        ),
        (
            json!({ "op": "backfill", "table": "odd", "set": { "$comment": "z" } }),
            dollar,
        ),
        (
            json!({ "op": "create_table", "table": "fresh", "columns": [
            { "name": "id", "type": "int64", "primary_key": true }, { "name": "p.q", "type": "text" },
        ] }),
            "field \"p.q\"",
        ),
    ];
    ctx.expect_json_refusals(&cases).await?;
    ensure!(
        ctx.capture().await?.catalog == before.catalog,
        "a refused migration changed the database"
    );
    ctx.write_file(
        1,
        "plain",
        "json",
        &json!({ "step": [{ "op": "drop_column", "table": "odd", "column": "plain" }] })
            .to_string(),
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// `strata verify` after a migration on a collection whose validator requires fields named
/// with a quote and a backslash, and a `drop_column` of a field no document held (its
/// backup holds no document): every check holds (before the fix, "its validator misses a
/// required field" and "missing: strata_bak_…").
async fn verify_without_false_failures(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_commands(&[
        json!({ "create": "people", "validator": { "$jsonSchema": {
            "bsonType": "object", "required": ["na\"me", "back\\slash"],
            "properties": {
                "na\"me": { "bsonType": "string" },
                "back\\slash": { "bsonType": "string" },
                "ghost": { "bsonType": ["string", "null"] },
            }
        } } }),
        json!({ "insert": "people", "documents": [
            { "_id": 1, "na\"me": "a", "back\\slash": "b" },
            { "_id": 2, "na\"me": "c", "back\\slash": "d" },
        ] }),
    ])
    .await?;
    ctx.write_file(
        1,
        "ghost",
        "json",
        r#"{"step": [{"op": "drop_column", "table": "people", "column": "ghost"}]}"#,
    )?;
    ctx.apply().await?;
    let checks = strata_core::verify::verify(&*ctx.driver, &ctx.migrations()?).await?;
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
    ensure!(failed.is_empty(), "verify failed: {failed:?}");
    Ok(())
}
