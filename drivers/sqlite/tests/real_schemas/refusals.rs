//! Steps refused in the plan, before anything runs, naming what they would break.

use anyhow::Context as _;
use strata_conformance::scenarios::expect_refused;
use strata_conformance::TestContext;

pub async fn drop_column_in_use(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE items (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c INT, d TEXT, e INT, e2 INT AS (e * 2), f TEXT UNIQUE, CONSTRAINT c_positive CHECK (c > 0))",
        "CREATE VIEW items_a AS SELECT id, a FROM items",
        "CREATE TRIGGER items_b AFTER UPDATE ON items BEGIN SELECT NEW.b; END",
        "CREATE INDEX items_d ON items (d)",
        "CREATE TABLE refs (id INTEGER PRIMARY KEY, f TEXT CONSTRAINT refs_f REFERENCES items(f))",
        "INSERT INTO items (a, b, c, d, e, f) VALUES ('a', 'b', 1, 'd', 2, 'f')",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (column, user) in [
        ("a", "view items_a"),
        ("b", "trigger items_b"),
        ("c", "CHECK c_positive"),
        ("d", "index items_d"),
        ("e", "generated column e2"),
        ("f", "foreign key refs.refs_f"),
    ] {
        ctx.write(
            1,
            "drop",
            &format!("[[step]]\nop = \"drop_column\"\ntable = \"items\"\ncolumn = \"{column}\"\n"),
        )?;
        let needle = format!("column \"{column}\" of \"items\" is used by {user}");
        expect_refused(ctx.apply().await, &needle).with_context(|| format!("dropping {column}"))?;
        ctx.assert_restored(&before)
            .await
            .with_context(|| format!("after refusing to drop {column}"))?;
    }
    Ok(())
}

pub async fn strict_and_generated(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE prices (id INTEGER PRIMARY KEY, amount TEXT, doubled TEXT AS (amount || amount)) STRICT",
        "INSERT INTO prices (amount) VALUES ('1.50')",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (step, needle) in [
        (
            "op = \"change_type\"\ntable = \"prices\"\ncolumn = \"amount\"\nto = \"decimal(10,2)\"",
            "a STRICT table has no type for decimal(10,2)",
        ),
        (
            "op = \"set_not_null\"\ntable = \"prices\"\ncolumn = \"doubled\"",
            "column \"doubled\" of \"prices\" is a generated column",
        ),
        (
            "op = \"add_column\"\ntable = \"prices\"\ncolumn = \"tax\"\ntype = \"decimal(4,2)\"",
            "a STRICT table has no type for decimal(4,2)",
        ),
    ] {
        ctx.write(1, "refused", &format!("[[step]]\n{step}\n"))?;
        expect_refused(ctx.apply().await, needle).with_context(|| step.to_owned())?;
        ctx.assert_restored(&before).await?;
    }
    Ok(())
}

/// An index created by a `sql` step is something strata cannot follow; the rebuild after it
/// would drop it without re-creating it. The check before the rebuild refuses the migration
/// inside its transaction instead, and nothing stays changed.
pub async fn rebuild_after_a_sql_step_is_checked(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, city TEXT)",
        "INSERT INTO people VALUES (1, 'a@x.io', 'Oslo'), (2, NULL, 'Rome')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "sql_then_rebuild",
        r#"
[[step]]
op = "sql"
sqlite = "CREATE INDEX people_city ON people (city)"
down = { sqlite = "DROP INDEX people_city" }

[[step]]
op = "set_not_null"
table = "people"
column = "email"
fill = "none@example.invalid"
"#,
    )?;
    expect_refused(
        ctx.apply().await,
        "the CREATE TABLE text, indexes or triggers of people are not those strata planned",
    )?;
    ctx.assert_restored(&before).await
}

/// A unique index on values earlier steps of the same migration wrote (a fill, a new column's
/// default) is checked right before it is made, inside the migration's transaction: the plan
/// counted the live rows, which had no duplicates yet.
pub async fn unique_index_after_earlier_writes(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, nick TEXT)",
        "INSERT INTO people VALUES (1, 'a@x.io', NULL), (2, NULL, NULL), (3, NULL, 'c')",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (steps, needle) in [
        (
            "[[step]]\nop = \"set_not_null\"\ntable = \"people\"\ncolumn = \"email\"\nfill = \"none\"\n\n\
             [[step]]\nop = \"add_index\"\ntable = \"people\"\ncolumns = [\"email\"]\nunique = true\n",
            "keys (email) of people are held by more than one row, so the unique index people_email_idx cannot be made",
        ),
        (
            "[[step]]\nop = \"add_column\"\ntable = \"people\"\ncolumn = \"code\"\ntype = \"text\"\ndefault = \"x\"\n\n\
             [[step]]\nop = \"add_unique\"\ntable = \"people\"\ncolumns = [\"code\"]\nname = \"people_code\"\n",
            "keys (code) of people are held by more than one row, so the unique index people_code cannot be made",
        ),
    ] {
        ctx.write(1, "unique_after_writes", steps)?;
        expect_refused(ctx.apply().await, needle).with_context(|| steps.to_owned())?;
        ctx.assert_restored(&before).await.with_context(|| steps.to_owned())?;
    }
    Ok(())
}
