//! Steps refused in the plan, before anything runs, naming what they would break.

use anyhow::Context as _;
use strata_conformance::scenarios::expect_refusal_mentioning;
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
        expect_refusal_mentioning(ctx.apply().await, &needle)
            .with_context(|| format!("dropping {column}"))?;
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
        expect_refusal_mentioning(ctx.apply().await, needle).with_context(|| step.to_owned())?;
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
    expect_refusal_mentioning(
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
        expect_refusal_mentioning(ctx.apply().await, needle).with_context(|| steps.to_owned())?;
        ctx.assert_restored(&before).await.with_context(|| steps.to_owned())?;
    }
    Ok(())
}

/// SQLite's RENAME COLUMN renames the column in a view that selects it by name, so the view
/// shows the new name, but not in the views and triggers that read the old name from that
/// view: a double-quoted one silently becomes the text '…', a bare one an error. Refused in
/// the plan, naming each, also through `SELECT *` and after a rename earlier in the migration.
pub async fn rename_column_read_through_a_view(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INT, ref INT, note TEXT)",
        "CREATE VIEW \"v1\" AS SELECT \"id\", \"amount\", \"ref\", note FROM \"invoices\"",
        "CREATE VIEW \"v2\" AS SELECT \"id\", \"ref\" FROM \"v1\"",
        "CREATE VIEW v3 AS SELECT id, note FROM v1",
        "CREATE VIEW every AS SELECT * FROM invoices",
        "CREATE VIEW amounts AS SELECT amount FROM every",
        "CREATE TRIGGER invoices_note AFTER INSERT ON invoices BEGIN SELECT note FROM v3; END",
        "INSERT INTO invoices VALUES (1, 10, 7, 'n')",
    ])
    .await?;
    let before = ctx.capture().await?;
    let rename = |column: &str, to: &str| {
        format!("[[step]]\nop = \"rename_column\"\ntable = \"invoices\"\ncolumn = \"{column}\"\nto = \"{to}\"\n")
    };
    for (steps, needle) in [
        (rename("ref", "col1"), "view v2 (through view v1)"),
        (rename("amount", "total"), "view amounts (through view every)"),
        (
            rename("note", "memo"),
            "trigger invoices_note (through view v3), view v3 (through view v1)",
        ),
        // Renamed twice: the views spell the live name.
        (
            [rename("ref", "col1"), rename("col1", "col2")].concat(),
            "column \"col1\" of \"invoices\" is read through a view that shows it under its name: view v2 (through view v1)",
        ),
    ] {
        ctx.write(1, "rename", &steps)?;
        expect_refusal_mentioning(ctx.apply().await, needle).with_context(|| steps.clone())?;
        ctx.assert_restored(&before).await.with_context(|| steps.clone())?;
    }
    Ok(())
}

/// A view that uses a column is found under the column's live name when an earlier step of
/// the migration renamed it (or its table): the view spells that name, not the new one.
pub async fn drop_column_renamed_earlier_in_use(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT, qty INT)",
        "CREATE VIEW item_labels AS SELECT id, \"label\" FROM items",
        "INSERT INTO items VALUES (1, 'a', 2)",
    ])
    .await?;
    let before = ctx.capture().await?;
    let steps = r#"
[[step]]
op = "rename_table"
table = "items"
to = "goods"

[[step]]
op = "rename_column"
table = "goods"
column = "label"
to = "title"

[[step]]
op = "drop_column"
table = "goods"
column = "title"
"#;
    ctx.write(1, "rename_then_drop", steps)?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "column \"title\" of \"items\" is used by view item_labels",
    )?;
    ctx.assert_restored(&before).await
}

/// A value written into many rows — backfilled, filled into NULLs, converted, a
/// `use_default` default — that a CHECK of the table refuses is counted first, on the rows
/// as the write would leave them (`events.n` qualified by the table's name too), and refused
/// in the plan instead of stopping the statement half way.
pub async fn writes_a_check_refuses(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  label TEXT,
  n INT,
  CONSTRAINT events_label_ck CHECK (\"label\" <> ''),
  CHECK (events.n >= 0)
)",
        "INSERT INTO events VALUES (1, 'a', 1), (2, NULL, NULL), (3, 'c', 40000)",
    ])
    .await?;
    let before = ctx.capture().await?;
    for (step, needle) in [
        (
            "op = \"backfill\"\ntable = \"events\"\nset = { label = \"\" }",
            "the value written into label fails CHECK events_label_ck (\"label\" <> '') of \"events\"",
        ),
        (
            "op = \"set_not_null\"\ntable = \"events\"\ncolumn = \"label\"\nfill = \"\"",
            "the value written into label fails CHECK events_label_ck",
        ),
        (
            "op = \"set_not_null\"\ntable = \"events\"\ncolumn = \"n\"\nfill = -1",
            "the value written into n fails CHECK events_check (events.n >= 0)",
        ),
        (
            "op = \"change_type\"\ntable = \"events\"\ncolumn = \"n\"\nto = \"int16\"\non_incompatible = \"use_default\"\ndefault = -7",
            "converted to int16, the value written into n fails CHECK events_check",
        ),
    ] {
        ctx.write(1, "write", &format!("[[step]]\n{step}\n"))?;
        expect_refusal_mentioning(ctx.apply().await, needle).with_context(|| step.to_owned())?;
        ctx.assert_restored(&before).await.with_context(|| step.to_owned())?;
    }
    Ok(())
}

/// A rebuild's inverse re-creates the table from the text it had before the step, with the
/// columns, indexes and triggers strata knew then: a hotfix made outside strata since the
/// migration (a column, an index, a trigger) would be dropped. Rollback refuses instead, names
/// the table, and changes nothing; once the hotfix is gone it rolls back.
pub async fn rollback_after_a_hotfix_is_refused_not_lost(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, note TEXT)",
        "INSERT INTO accounts VALUES (1, 'a@x.io', NULL), (2, 'b@x.io', 'vip')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "rebuild",
        "[[step]]\nop = \"set_default\"\ntable = \"accounts\"\ncolumn = \"note\"\nvalue = \"none\"\n",
    )?;
    ctx.apply().await.context("applying")?;
    let needle = "accounts, its indexes or its triggers changed since the migration";
    for (hotfix, undo) in [
        (
            vec![
                "ALTER TABLE accounts ADD COLUMN phone TEXT",
                "UPDATE accounts SET phone = '555' WHERE id = 1",
            ],
            "ALTER TABLE accounts DROP COLUMN phone",
        ),
        (
            vec!["CREATE INDEX accounts_email ON accounts (email)"],
            "DROP INDEX accounts_email",
        ),
        (
            vec!["CREATE TRIGGER accounts_touch AFTER UPDATE ON accounts BEGIN SELECT 1; END"],
            "DROP TRIGGER accounts_touch",
        ),
    ] {
        ctx.run_sql(&hotfix).await?;
        let fixed = ctx.capture().await?;
        expect_refusal_mentioning(ctx.rollback(1).await, needle)
            .with_context(|| hotfix.join("; "))?;
        ctx.assert_restored(&fixed).await?;
        ctx.run_sql(&[undo]).await?;
    }
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await?;
    // Undoing a later rename_table writes the table's name double-quoted (`CREATE TABLE
    // "accounts"`): the guard then compares names, and the rebuild's inverse gives back the
    // text exactly as it was.
    ctx.write(
        1,
        "rebuild",
        "[[step]]\nop = \"set_default\"\ntable = \"accounts\"\ncolumn = \"note\"\nvalue = \"none\"\n\n\
         [[step]]\nop = \"rename_table\"\ntable = \"accounts\"\nto = \"clients\"\n",
    )?;
    ctx.apply().await.context("applying with a rename")?;
    ctx.rollback(1).await.context("rolling back the rename")?;
    ctx.assert_restored(&before).await
}
