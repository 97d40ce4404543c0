//! `change_type`: incompatible values counted first; fail refuses; set_null and use_default
//! convert; rollback restores the exact original values.

use anyhow::ensure;
use strata_core::RefusalKind;
use strata_core::Value::{Int, Null};

use super::{expect_refused, fixture::setup};
use crate::context::TestContext;

fn ages(rows: Vec<strata_core::Row>) -> Vec<(strata_core::Value, strata_core::Value)> {
    let mut v: Vec<_> = rows
        .into_iter()
        .map(|r| (r["id"].clone(), r["age"].clone()))
        .collect();
    v.sort_by_key(|(id, _)| format!("{id:?}"));
    v
}

pub async fn refuses_incompatible(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "age",
        "[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"age\"\nto = \"int64\"\n",
    )?;
    let migrations = ctx.migrations()?;
    let plans = strata_core::runner::plan(ctx.driver.as_ref(), &migrations, None).await?;
    let finding = &plans[0].steps[0].analysis.findings[0];
    ensure!(
        finding.count == 2,
        "expected 2 incompatible values, counted {}",
        finding.count
    );
    ensure!(
        finding.examples.iter().any(|e| e.contains("abc"))
            && finding.examples.iter().any(|e| e.contains("12x")),
        "examples: {:?}",
        finding.examples
    );
    expect_refused(
        ctx.apply().await,
        RefusalKind::Incompatible,
        "2 values of users.age will not convert to int64",
    )?;
    ctx.assert_restored(&before).await
}

pub async fn set_null(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "age", "[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"age\"\nto = \"int32\"\non_incompatible = \"set_null\"\n")?;
    ctx.apply().await?;
    let got = ages(ctx.rows("users").await?);
    ensure!(
        got == vec![
            (Int(1), Int(31)),
            (Int(2), Null),
            (Int(3), Null),
            (Int(4), Int(40))
        ],
        "ages: {got:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn use_default(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "age", "[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"age\"\nto = \"int64\"\non_incompatible = \"use_default\"\ndefault = -1\n")?;
    ctx.apply().await?;
    let got = ages(ctx.rows("users").await?);
    ensure!(
        got == vec![
            (Int(1), Int(31)),
            (Int(2), Int(-1)),
            (Int(3), Int(-1)),
            (Int(4), Int(40))
        ],
        "ages: {got:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn compatible_values_convert(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    let rows_before = ctx.rows("users").await?;
    ctx.write(
        2,
        "widen",
        "[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"legacy_flags\"\nto = \"int64\"\n\n[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"name\"\nto = \"string(10)\"\n",
    )?;
    let report = ctx.apply().await?;
    let kinds: Vec<strata_core::ActionKind> = report.plans[0].steps[0]
        .actions
        .iter()
        .map(|a| a.kind)
        .collect();
    // fail mode re-checks the values where the conversion runs, and the result is verified.
    ensure!(
        kinds.contains(&strata_core::ActionKind::Check)
            && kinds.contains(&strata_core::ActionKind::Verify),
        "actions: {kinds:?}"
    );
    let users = &ctx.schema().await?.tables["users"];
    ensure!(
        users.column("legacy_flags").and_then(|c| c.portable)
            == Some(strata_core::PortableType::Int64),
        "{users:?}"
    );
    ensure!(
        users.column("name").and_then(|c| c.portable)
            == Some(strata_core::PortableType::String { len: 10 }),
        "{users:?}"
    );
    ensure!(
        ctx.rows("users").await? == rows_before,
        "values changed by a lossless conversion"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A text that rounds to the new decimal's scale would change: counted incompatible on every
/// engine, as a number that rounds is (`1.005` and `2.999` to two places; `2.50`, `3` and
/// ` 4.1 ` convert unchanged).
pub async fn rounding_texts_are_incompatible(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.write(
        1,
        "prices",
        "[[step]]\nop = \"create_table\"\ntable = \"prices\"\ncolumns = [\n  { name = \"id\", type = \"int64\", primary_key = true },\n  { name = \"amount\", type = \"string(20)\" },\n]\n",
    )?;
    ctx.apply().await?;
    let rows: Vec<_> = ["1.005", "2.50", "3", "2.999", "4.1"]
        .iter()
        .zip(1..)
        .map(|(v, i)| {
            crate::context::row(&[
                ("id", strata_core::Value::Int(i)),
                ("amount", strata_core::Value::Text((*v).into())),
            ])
        })
        .collect();
    ctx.insert("prices", &rows).await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "amount",
        "[[step]]\nop = \"change_type\"\ntable = \"prices\"\ncolumn = \"amount\"\nto = \"decimal(10,2)\"\n",
    )?;
    expect_refused(
        ctx.apply().await,
        RefusalKind::Incompatible,
        "2 values of prices.amount will not convert to decimal(10,2)",
    )?;
    ctx.assert_restored(&before).await
}
