//! Schema-only steps: create_table with every portable type, add/rename column, rename table,
//! set/drop default.

use anyhow::ensure;
use strata_core::Value::{self, Bool, Float, Int, Null, Text};

use crate::context::{row, TestContext};

const ALL_TYPES: &str = r#"
[[step]]
op = "create_table"
table = "everything"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "b", type = "bool" },
  { name = "i16", type = "int16" },
  { name = "i32", type = "int32", default = 7 },
  { name = "f32", type = "float32" },
  { name = "f64", type = "float64" },
  { name = "dec", type = "decimal(12,3)" },
  { name = "s", type = "string(20)", unique = true },
  { name = "t", type = "text", nullable = false, default = "none" },
  { name = "by", type = "bytes" },
  { name = "d", type = "date" },
  { name = "tm", type = "time" },
  { name = "ts", type = "timestamp" },
  { name = "tstz", type = "timestamptz" },
  { name = "u", type = "uuid" },
  { name = "j", type = "json" },
]
"#;

pub async fn create_table_all_types(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.write(1, "everything", ALL_TYPES)?;
    ctx.apply().await?;
    let t = ctx.schema().await?.tables["everything"].clone();
    for c in &t.columns {
        ensure!(
            c.portable.is_some(),
            "column {} has native type {} with no portable type",
            c.name,
            c.native_type
        );
    }
    ensure!(t.primary_key == ["id"], "primary key: {:?}", t.primary_key);
    let r = row(&[
        ("id", Int(1)),
        ("b", Bool(true)),
        ("i16", Int(-3)),
        ("i32", Int(70000)),
        ("f32", Float(1.5)),
        ("f64", Float(2.25)),
        ("dec", Text("12.345".into())),
        ("s", Text("hello".into())),
        ("t", Text("text".into())),
        ("by", Value::Bytes(vec![0, 1, 254])),
        ("d", Text("2024-02-29".into())),
        ("tm", Text("13:14:15".into())),
        ("ts", Text("2024-02-29T13:14:15.25".into())),
        ("tstz", Text("2024-02-29T13:14:15Z".into())),
        ("u", Text("0e3c3f4e-8f5c-4a55-a2a4-4c1b8f0b5a11".into())),
        ("j", Value::Json(serde_json::json!({"a": [1, 2]}))),
    ]);
    ctx.insert("everything", std::slice::from_ref(&r)).await?;
    let rows = ctx.rows("everything").await?;
    ensure!(rows.contains(&r), "row did not read back equal: {rows:#?}");
    if ctx.capabilities().column_defaults {
        ctx.insert("everything", &[row(&[("id", Int(2)), ("s", Null)])])
            .await?;
        let rows = ctx.rows("everything").await?;
        let defaulted = rows.iter().find(|x| x["id"] == Int(2)).expect("row 2");
        ensure!(
            defaulted["i32"] == Int(7) && defaulted["t"] == Text("none".into()),
            "defaults: {defaulted:?}"
        );
    }

    // A table created by a migration is dropped by its rollback only while it is empty.
    let with_rows = ctx.capture().await?;
    ctx.write(2, "empty", "[[step]]\nop = \"create_table\"\ntable = \"empty_one\"\ncolumns = [{ name = \"id\", type = \"int32\", primary_key = true }]\n")?;
    ctx.apply().await?;
    ensure!(
        ctx.rollback(1).await? == vec![2],
        "migration 2 not rolled back"
    );
    ctx.assert_restored(&with_rows).await?;
    let refused = ctx.rollback(1).await;
    ensure!(
        refused.as_ref().is_err_and(|e| format!(
            "{e} {:?}",
            std::error::Error::source(e).map(|s| s.to_string())
        )
        .contains("written since the migration")),
        "rolling back a table with rows must be refused, got {refused:?}"
    );
    ensure!(
        ctx.schema().await?.tables.contains_key("everything"),
        "the table with rows was dropped"
    );
    Ok(())
}

const STEPS: &str = r#"
[[step]]
op = "add_column"
table = "users"
column = "nickname"
type = "string(40)"
default = "anon"
nullable = false

[[step]]
op = "rename_column"
table = "users"
column = "name"
to = "full_name"

[[step]]
op = "set_default"
table = "users"
column = "age"
value = "unknown"

[[step]]
op = "drop_default"
table = "users"
column = "full_name"

[[step]]
op = "rename_table"
table = "orders"
to = "purchases"
"#;

pub async fn add_rename_and_default_steps(ctx: &TestContext) -> anyhow::Result<()> {
    super::setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "renames", STEPS)?;
    ctx.apply().await?;
    let schema = ctx.schema().await?;
    ensure!(
        schema.tables.contains_key("purchases") && !schema.tables.contains_key("orders"),
        "rename_table"
    );
    let users = &schema.tables["users"];
    ensure!(
        users.column("nickname").is_some_and(|c| !c.nullable),
        "add_column"
    );
    ensure!(
        users
            .column("full_name")
            .is_some_and(|c| c.default.is_none())
            && users.column("name").is_none(),
        "rename_column / drop_default"
    );
    ensure!(
        users.column("age").is_some_and(|c| c.default.is_some()),
        "set_default"
    );
    ensure!(
        ctx.rows("users")
            .await?
            .iter()
            .all(|r| r["nickname"] == Text("anon".into())),
        "existing rows got the default"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
