//! Schema-qualified names (`billing.invoices`) through a whole round trip, for engines that
//! declare the `schemas` capability.

use anyhow::ensure;
use strata_core::PortableType;
use strata_core::Value::{Int, Null, Text};

use crate::context::{row, TestContext};

const SETUP: &str = r#"
[[step]]
op = "sql"
postgres = "CREATE SCHEMA billing"
mysql = "CREATE DATABASE billing"
down = { postgres = "DROP SCHEMA billing", mysql = "DROP DATABASE billing" }

[[step]]
op = "create_table"
table = "billing.invoices"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "amount", type = "text" },
  { name = "note", type = "text" },
]
"#;

const CHANGE: &str = r#"
[[step]]
op = "change_type"
table = "billing.invoices"
column = "amount"
to = "decimal(10,2)"
on_incompatible = "set_null"

[[step]]
op = "drop_column"
table = "billing.invoices"
column = "note"

[[step]]
op = "add_index"
table = "billing.invoices"
columns = ["amount"]
"#;

pub async fn schema_qualified_names(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.write(1, "billing", SETUP)?;
    ctx.apply().await?;
    ctx.insert(
        "billing.invoices",
        &[
            row(&[
                ("id", Int(1)),
                ("amount", Text("12.50".into())),
                ("note", Text("a".into())),
            ]),
            row(&[
                ("id", Int(2)),
                ("amount", Text("n/a".into())),
                ("note", Null),
            ]),
        ],
    )
    .await?;
    let before = ctx.capture().await?;
    ensure!(
        before.schema.tables.contains_key("billing.invoices"),
        "tables: {:?}",
        before.schema.tables.keys()
    );
    ctx.write(2, "change", CHANGE)?;
    ctx.apply().await?;
    let t = ctx.schema().await?.tables["billing.invoices"].clone();
    ensure!(
        t.column("amount").and_then(|c| c.portable)
            == Some(PortableType::Decimal {
                precision: 10,
                scale: 2
            }),
        "{t:?}"
    );
    ensure!(
        t.column("note").is_none() && t.indexes.iter().any(|i| i.name == "invoices_amount_idx"),
        "{t:?}"
    );
    ensure!(
        ctx.backups()
            .await?
            .iter()
            .all(|b| b.starts_with("billing.strata_bak_2_")),
        "backups: {:?}",
        ctx.backups().await?
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
