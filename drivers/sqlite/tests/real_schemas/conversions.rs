//! `change_type` on values as other tools leave them: BLOBs that are not text, numbers written
//! as text next to dates, and conversions that would make a unique key repeat or a foreign
//! key point at nothing. Each is counted, handled as the step says or refused in the plan,
//! never left for the rebuild's copy to fail half way.

use anyhow::{ensure, Context as _};
use strata_conformance::scenarios::expect_refusal_mentioning;
use strata_conformance::TestContext;

use super::count;

/// A `change_type` step.
fn step(table: &str, column: &str, to: &str, handling: &str) -> String {
    format!(
        "[[step]]\nop = \"change_type\"\ntable = \"{table}\"\ncolumn = \"{column}\"\nto = \"{to}\"\n{handling}\n"
    )
}

/// Bytes that are not UTF-8, or that hold a NUL, do not become TEXT: `CAST(… AS TEXT)` would
/// reinterpret them unchecked into a value nothing can read back.
pub async fn blobs_that_are_not_text(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT, body BLOB, meta BLOB)",
        "INSERT INTO files VALUES (1, 'a', X'6869', X'7B2261223A317D'), (2, 'b', X'0001FF', X'7B7D'), \
         (3, 'c', X'C3A9', NULL), (4, 'd', X'6869006869', X'FF'), (5, 'e', X'', X'C0AF')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "change",
        &step("files", "body", "text", "on_incompatible = \"fail\""),
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "2 values of files.body will not convert to text",
    )?;
    ctx.assert_restored(&before).await?;

    let steps = [
        step(
            "files",
            "body",
            "string(8)",
            "on_incompatible = \"use_default\"\ndefault = \"binary\"",
        ),
        step("files", "meta", "json", "on_incompatible = \"set_null\""),
    ]
    .concat();
    ctx.write(1, "change", &steps)?;
    ctx.apply().await.context("applying")?;
    // Every value reads back (the capture decodes each as UTF-8).
    ctx.capture().await.context("reading the converted rows")?;
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM files WHERE typeof(body) = 'text' AND body IN ('hi', 'é', '', 'binary')"
        )
        .await?
            == 5
    );
    ensure!(count(ctx, "SELECT COUNT(*) FROM files WHERE body = 'binary'").await? == 2);
    // JSON is text, not a BLOB SQLite would read as its binary JSONB.
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM files WHERE typeof(meta) = 'text' AND json_valid(meta)"
        )
        .await?
            == 2
    );
    ensure!(count(ctx, "SELECT COUNT(*) FROM files WHERE meta IS NULL").await? == 3);
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// A date is not a number, though `CAST` reads the `2024` in front of `2024-02-29`; nor is a
/// text that overflows to infinity.
pub async fn dates_are_not_numbers(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE readings (id INTEGER PRIMARY KEY, taken DATE, value TEXT)",
        "INSERT INTO readings VALUES (1, '2024-02-29', '1.5'), (2, '1999-12-31', ' 2e3 '), (3, NULL, '1e400'), (4, NULL, NULL)",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (column, to, needle) in [
        (
            "taken",
            "float64",
            "2 values of readings.taken will not convert to float64",
        ),
        (
            "taken",
            "decimal(10,2)",
            "2 values of readings.taken will not convert to decimal(10,2)",
        ),
        (
            "value",
            "float32",
            "1 values of readings.value will not convert to float32",
        ),
    ] {
        ctx.write(
            1,
            "change",
            &step("readings", column, to, "on_incompatible = \"fail\""),
        )?;
        expect_refusal_mentioning(ctx.apply().await, needle)
            .with_context(|| format!("{column} to {to}"))?;
        ctx.assert_restored(&before).await?;
    }
    ctx.write(
        1,
        "change",
        &step(
            "readings",
            "value",
            "float64",
            "on_incompatible = \"set_null\"",
        ),
    )?;
    ctx.apply().await.context("applying")?;
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM readings WHERE typeof(value) = 'real' AND value IN (1.5, 2000.0)"
        )
        .await?
            == 2
    );
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// Converted values that repeat under a unique key (`' 1'` and `'1'` are one integer; every
/// incompatible value takes the one default), and a default that references no parent row,
/// are refused in the plan; an orphan the step leaves as it was is not its business.
pub async fn conversions_that_break_keys(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE codes (
  id INTEGER PRIMARY KEY,
  code TEXT UNIQUE,
  alt TEXT,
  parent TEXT REFERENCES codes (id),
  CONSTRAINT codes_alt UNIQUE (alt)
)",
        "INSERT INTO codes VALUES (1, '1', 'x', NULL), (2, ' 1', 'y', '1'), (3, '2', 'z', '77'), (4, NULL, NULL, 'none')",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (column, to, handling, needle) in [
        (
            "code",
            "int64",
            "on_incompatible = \"fail\"",
            "converted to int64, the value written into code would repeat a key of",
        ),
        (
            "alt",
            "int32",
            "on_incompatible = \"use_default\"\ndefault = 0",
            "converted to int32, the value written into alt would repeat a key of codes_alt (alt)",
        ),
        (
            "parent",
            "int64",
            "on_incompatible = \"use_default\"\ndefault = 99",
            "the value written into parent references no row of \"codes\"",
        ),
    ] {
        ctx.write(1, "change", &step("codes", column, to, handling))?;
        expect_refusal_mentioning(ctx.apply().await, needle)
            .with_context(|| format!("{column} to {to}"))?;
        ctx.assert_restored(&before).await?;
    }
    // NULLs repeat nothing; the orphan '77' stays one, as it was.
    let steps = [
        step("codes", "alt", "int32", "on_incompatible = \"set_null\""),
        step("codes", "parent", "int64", "on_incompatible = \"set_null\""),
    ]
    .concat();
    ctx.write(1, "change", &steps)?;
    ctx.apply().await.context("applying")?;
    ensure!(count(ctx, "SELECT COUNT(*) FROM codes WHERE alt IS NULL").await? == 4);
    ensure!(count(ctx, "SELECT COUNT(*) FROM codes WHERE parent IN (1, 77)").await? == 2);
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// The rowid alias (`INTEGER PRIMARY KEY`, inline or in the table) is a 64-bit integer
/// already: `change_type` to an integer keeps it declared `INTEGER`, since `BIGINT PRIMARY KEY`
/// would be an ordinary key (renumbered rowids, NULL keys on INSERTs that omit it, no
/// AUTOINCREMENT). A type the alias cannot keep is refused in the plan.
pub async fn rowid_alias_stays_integer(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
        "CREATE TABLE tags (\n  id integer,\n  label TEXT,\n  PRIMARY KEY (id)\n)",
        "INSERT INTO events (name) VALUES ('a'), ('b'), ('c')",
        "DELETE FROM events WHERE id = 2",
        "INSERT INTO tags VALUES (5, 'x'), (9, 'y')",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (table, to, needle) in [
        (
            "tags",
            "int16",
            "\"id\" of \"tags\" is its rowid (INTEGER PRIMARY KEY)",
        ),
        (
            "events",
            "text",
            "\"id\" of \"events\" is its rowid (INTEGER PRIMARY KEY)",
        ),
    ] {
        ctx.write(
            1,
            "change",
            &step(table, "id", to, "on_incompatible = \"fail\""),
        )?;
        expect_refusal_mentioning(ctx.apply().await, needle)
            .with_context(|| format!("{table} to {to}"))?;
        ctx.assert_restored(&before).await?;
    }
    let steps = [
        step("events", "id", "int64", "on_incompatible = \"fail\""),
        step("tags", "id", "int64", "on_incompatible = \"fail\""),
    ]
    .concat();
    ctx.write(1, "change", &steps)?;
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    super::same(
        &before.catalog,
        &applied,
        &["table events", "table tags", "sequence events"],
    )?;
    // Still the rowid: a row inserted without its key gets one.
    ctx.run_sql(&["INSERT INTO tags (label) VALUES ('z')"])
        .await?;
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM tags WHERE id = 10 AND id = rowid"
        )
        .await?
            == 1
    );
    ctx.run_sql(&["DELETE FROM tags WHERE label = 'z'"]).await?;
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}
