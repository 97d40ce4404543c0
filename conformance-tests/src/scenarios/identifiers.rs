//! Identifiers are quoted, never spliced: a strange but legal name works, a hostile one that
//! does not exist is a clear error that executes nothing.

use anyhow::ensure;
use strata_core::Value::{Int, Text};

use crate::context::{row, TestContext};

const STRANGE: &str = r#"
[[step]]
op = "create_table"
table = 'we"ird; name'
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "sel ect", type = "text" },
  { name = "o'clock", type = "int32" },
]
[[step]]
op = "add_index"
table = 'we"ird; name'
columns = ["sel ect"]
name = "idx; DROP TABLE x"
"#;

pub async fn hostile_identifiers(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.write(1, "strange", STRANGE)?;
    ctx.apply().await?;
    let r = row(&[
        ("id", Int(1)),
        ("sel ect", Text("it's".into())),
        ("o'clock", Int(5)),
    ]);
    ctx.insert("we\"ird; name", std::slice::from_ref(&r))
        .await?;
    ensure!(
        ctx.rows("we\"ird; name").await? == vec![r],
        "row did not round-trip"
    );
    let before = ctx.capture().await?;

    ctx.write(
        2,
        "hostile",
        "[[step]]\nop = \"drop_table\"\ntable = 'x\"; DROP TABLE \"we\"\"ird; name\"; --'\n",
    )?;
    let err = ctx
        .apply()
        .await
        .expect_err("dropping a table that does not exist must fail");
    ensure!(
        err.to_string().contains("does not exist"),
        "unclear error: {err}"
    );
    ctx.assert_restored(&before).await?;
    Ok(())
}

/// Generated names (backups, keys) that would pass the engine's identifier limit are shortened
/// with a hash, so two of them never collide.
pub async fn long_generated_names(ctx: &TestContext) -> anyhow::Result<()> {
    let table = "t".repeat(50);
    let (a, b) = (
        format!("{}_first", "c".repeat(40)),
        format!("{}_second", "c".repeat(40)),
    );
    ctx.write(
        1,
        "long",
        &format!(
            "[[step]]\nop = \"create_table\"\ntable = \"{table}\"\ncolumns = [{{ name = \"id\", type = \"int64\", primary_key = true }}, {{ name = \"{a}\", type = \"text\" }}, {{ name = \"{b}\", type = \"text\" }}]\n"
        ),
    )?;
    ctx.apply().await?;
    ctx.insert(
        &table,
        &[row(&[
            ("id", Int(1)),
            (a.as_str(), Text("x".into())),
            (b.as_str(), Text("y".into())),
        ])],
    )
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        2,
        "drop_both",
        &format!(
            "[[step]]\nop = \"drop_column\"\ntable = \"{table}\"\ncolumn = \"{a}\"\n[[step]]\nop = \"drop_column\"\ntable = \"{table}\"\ncolumn = \"{b}\"\n[[step]]\nop = \"add_index\"\ntable = \"{table}\"\ncolumns = [\"id\"]\n"
        ),
    )?;
    let report = ctx.apply().await?;
    // Two backups, or one where the driver compiles both drops together.
    let backups = ctx.backup_names().await?;
    ensure!(
        backups == TestContext::planned_backups(&report)
            && (1..=2).contains(&backups.len())
            && backups.iter().all(|b| b.len() <= 63),
        "backups: {backups:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
