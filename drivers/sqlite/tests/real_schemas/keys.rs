//! Foreign keys inline and in the table, dropped columns with their keys, rowids, a table
//! whose CHECK names itself, an index added earlier in the same migration, and orphans
//! handled by placeholders and by deletion.

use anyhow::{ensure, Context as _};
use strata_conformance::scenarios::expect_refusal_mentioning;
use strata_conformance::TestContext;

use super::{count, has, lacks, round_trip, same, text};

pub async fn foreign_keys_odd_quoting(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)",
        "CREATE TABLE shops (id INTEGER PRIMARY KEY)",
        "create   table \"Line Items\"(
  id INTEGER PRIMARY KEY, -- the key
  [user id] INTEGER CONSTRAINT [fk user] REFERENCES users(id) ON DELETE SET NULL,
  `shop` INT references shops /* unnamed, inline */,
  owner TEXT,
  /* a comment, with a comma */
  constraint   \"o\"\"k\"    foreign key (owner) references users (email)
)",
        "INSERT INTO users VALUES (1, 'a@x.io'), (2, 'b@x.io')",
        "INSERT INTO shops VALUES (10), (11)",
        "INSERT INTO \"Line Items\" VALUES (1, 1, 10, 'a@x.io'), (2, NULL, 11, NULL), (3, 2, NULL, 'b@x.io')",
    ];
    let steps = r#"
[[step]]
op = "drop_foreign_key"
table = "Line Items"
name = "fk user"

[[step]]
op = "add_foreign_key"
table = "Line Items"
columns = ["shop"]
references = { table = "shops", columns = ["id"] }
on_delete = "cascade"
replace = "Line Items_shop_fkey"

[[step]]
op = "drop_foreign_key"
table = "Line Items"
name = "o\"k"
"#;
    let applied = round_trip(ctx, &ddl, steps, |before, applied| {
        has(before, "table Line Items", &["CREATE TABLE \"Line Items\"(\n"])?;
        has(
            applied,
            "table Line Items",
            &[
                "  id INTEGER PRIMARY KEY, -- the key\n",
                "  [user id] INTEGER,\n",
                "  `shop` INT /* unnamed, inline */,\n",
                "  /* a comment, with a comma */\n",
                "CONSTRAINT \"Line Items_shop_fkey\" FOREIGN KEY (\"shop\") REFERENCES \"shops\" (\"id\") ON DELETE CASCADE ON UPDATE NO ACTION",
            ],
        )?;
        lacks(applied, "table Line Items", &["[fk user]", "o\"\"k", "references shops"])
    })
    .await?;
    ensure!(!applied.contains_key("table strata_tmp_Line Items"));
    Ok(())
}

pub async fn drop_column_with_its_keys(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE)",
        "CREATE TABLE c (
  id INTEGER PRIMARY KEY,
  pcode TEXT CONSTRAINT c_p REFERENCES p(code) CHECK (pcode <> ''), -- its own key and check
  qty INT NOT NULL DEFAULT 1,
  tag TEXT,
  UNIQUE (tag, pcode),
  FOREIGN KEY (pcode) REFERENCES p (code) ON UPDATE CASCADE
)",
        "INSERT INTO p VALUES (1, 'x'), (2, 'y')",
        "INSERT INTO c VALUES (1, 'x', 2, 'a'), (2, NULL, 1, 'a'), (3, 'y', 5, NULL)",
    ];
    let step = "[[step]]\nop = \"drop_column\"\ntable = \"c\"\ncolumn = \"pcode\"\n";
    round_trip(ctx, &ddl, step, |_, applied| {
        ensure!(
            text(applied, "table c")?
                == "CREATE TABLE c (\n  id INTEGER PRIMARY KEY,\n  qty INT NOT NULL DEFAULT 1,\n  tag TEXT\n)",
            "{}",
            text(applied, "table c")?
        );
        Ok(())
    })
    .await?;
    Ok(())
}

pub async fn rowids_and_qualified_checks(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        // SQLite's legacy rename cannot carry `notes.n` in a CHECK or index: copied aside.
        "CREATE TABLE notes (body TEXT, n INT CHECK (notes.n >= 0))",
        "CREATE INDEX notes_n ON notes (n) WHERE notes.n > 0",
        "INSERT INTO notes VALUES ('a', 1), ('b', 2), ('c', 0), ('d', 4), ('e', 5)",
        "DELETE FROM notes WHERE rowid IN (1, 3)",
    ];
    ctx.run_sql(&ddl).await?;
    let before = ctx.capture().await?;
    let rowids = "SELECT COUNT(*) FROM notes WHERE rowid IN (2, 4, 5)";
    ensure!(count(ctx, rowids).await? == 3);
    ctx.write(
        1,
        "change",
        "[[step]]\nop = \"set_not_null\"\ntable = \"notes\"\ncolumn = \"n\"\n\n[[step]]\nop = \"set_default\"\ntable = \"notes\"\ncolumn = \"body\"\nvalue = \"x\"\n",
    )?;
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    has(
        &applied,
        "table notes",
        &["(body TEXT DEFAULT 'x', n INT CHECK (notes.n >= 0) NOT NULL)"],
    )?;
    same(&before.catalog, &applied, &["index notes_n"])?;
    ensure!(
        count(ctx, rowids).await? == 3,
        "the rebuild renumbered the rowids"
    );
    ctx.rollback(1).await.context("rolling back")?;
    ensure!(
        count(ctx, rowids).await? == 3,
        "the rollback renumbered the rowids"
    );
    ctx.assert_restored(&before).await
}

pub async fn index_added_earlier(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, city TEXT CHECK (city <> ''))",
        "INSERT INTO people VALUES (1, 'a@x.io', 'Oslo'), (2, NULL, NULL), (3, 'c@x.io', 'Rome')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "index_then_rebuilds",
        r#"
[[step]]
op = "add_index"
table = "people"
columns = ["email"]

[[step]]
op = "set_not_null"
table = "people"
column = "city"
fill = "unknown"

[[step]]
op = "set_default"
table = "people"
column = "email"
value = "none@example.invalid"

[[step]]
op = "add_unique"
table = "people"
columns = ["email", "city"]

[[step]]
op = "drop_default"
table = "people"
column = "email"
"#,
    )?;
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    ensure!(
        text(&applied, "index people_email_idx")?
            == "CREATE INDEX \"people_email_idx\" ON \"people\" (\"email\")",
        "{applied:#?}"
    );
    has(
        &applied,
        "index people_email_city_key",
        &["CREATE UNIQUE INDEX \"people_email_city_key\""],
    )?;
    has(
        &applied,
        "table people",
        &["city TEXT CHECK (city <> '') NOT NULL"],
    )?;
    let checks = strata_core::verify::verify(ctx.driver.as_ref(), &ctx.migrations()?).await?;
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
    ensure!(failed.is_empty(), "strata verify finds: {failed:?}");
    ensure!(
        checks
            .iter()
            .any(|c| c.check.contains("indexes") && c.detail.contains("2 indexes present")),
        "{checks:?}"
    );
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// A placeholder parent row takes the parent's defaults, which the parent may refuse: two of
/// them repeating the default of a UNIQUE column are refused by the plan; a CHECK the default
/// breaks is found as the rows are inserted, and refuses the migration inside its transaction
/// instead of failing half way; a parent that takes them gets them, and the rollback takes
/// them out again with the parent's counter as it was.
pub async fn placeholders_under_a_unique_default(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE labels (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT 'unnamed' UNIQUE)",
        "CREATE TABLE marks (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'unnamed' CHECK (name <> 'unnamed'))",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT 'unnamed')",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, label_id INTEGER)",
        "INSERT INTO labels (name) VALUES ('a'), ('b')",
        "INSERT INTO marks VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO tags (name) VALUES ('a'), ('b')",
        "INSERT INTO notes VALUES (1, 1), (2, 7), (3, 8), (4, 7)",
    ])
    .await?;
    let before = ctx.capture().await?;
    let step = |parent: &str| {
        format!("[[step]]\nop = \"add_foreign_key\"\ntable = \"notes\"\ncolumns = [\"label_id\"]\nreferences = {{ table = \"{parent}\", columns = [\"id\"] }}\norphans = \"placeholder\"\n")
    };
    ctx.write(1, "placeholders", &step("labels"))?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "would give every parent row the same default name and repeat unique key",
    )?;
    ctx.assert_restored(&before).await?;
    ctx.write(1, "placeholders", &step("marks"))?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "orphans = \"placeholder\": marks refuses rows made of the missing keys",
    )?;
    ctx.assert_restored(&before).await?;
    ctx.write(1, "placeholders", &step("tags"))?;
    ctx.apply()
        .await
        .context("applying with a parent that takes them")?;
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM tags WHERE id IN (7, 8) AND name = 'unnamed'"
        )
        .await?
            == 2
    );
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// Deleting orphans and putting them back by rollback leaves `AUTOINCREMENT` counters as they
/// were: SQLite makes a counter (`0`) on any insert, even of no row, into a table that had
/// none, and the restore must not leave one behind.
pub async fn deleted_orphans_keep_the_counters(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE owners (id INTEGER PRIMARY KEY)",
        // Never written to: no counter in sqlite_sequence.
        "CREATE TABLE pets (id INTEGER PRIMARY KEY AUTOINCREMENT, owner INTEGER)",
        "CREATE TABLE toys (id INTEGER PRIMARY KEY AUTOINCREMENT, owner INTEGER)",
        "INSERT INTO owners VALUES (1)",
        "INSERT INTO toys (owner) VALUES (1), (9), (1)",
        "UPDATE sqlite_sequence SET seq = 40 WHERE name = 'toys'",
    ];
    let steps = r#"
[[step]]
op = "add_foreign_key"
table = "pets"
columns = ["owner"]
references = { table = "owners", columns = ["id"] }
orphans = "delete"

[[step]]
op = "add_foreign_key"
table = "toys"
columns = ["owner"]
references = { table = "owners", columns = ["id"] }
orphans = "delete"
"#;
    round_trip(ctx, &ddl, steps, |before, applied| {
        ensure!(!before.contains_key("sequence pets"), "{before:#?}");
        ensure!(!applied.contains_key("sequence pets"), "{applied:#?}");
        same(before, applied, &["sequence toys"])
    })
    .await?;
    Ok(())
}

/// A rowid table takes NULL in a PRIMARY KEY that is not `INTEGER PRIMARY KEY` (SQLite keeps
/// that quirk for compatibility), and NULLs never match a key: a backup read back by key
/// would leave such rows out. Steps that back values up by key are refused while a key holds
/// NULL, and `set_not_null` on such a key column is a real change, not "already NOT NULL".
pub async fn null_primary_keys(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE skus (code TEXT PRIMARY KEY, name TEXT, price TEXT)",
        "INSERT INTO skus VALUES ('a', 'x', '1'), (NULL, 'y', '2'), (NULL, 'z', NULL)",
        "CREATE TABLE bins (code TEXT, slot INT, PRIMARY KEY (code, slot))",
        "INSERT INTO bins VALUES ('a', 1), ('a', 2), ('b', 1)",
    ])
    .await?;
    let before = ctx.capture().await?;
    let null_keys = "2 rows of skus hold NULL in its primary key (code)";
    for (step, needle) in [
        (
            "op = \"drop_column\"\ntable = \"skus\"\ncolumn = \"price\"",
            null_keys,
        ),
        (
            "op = \"change_type\"\ntable = \"skus\"\ncolumn = \"price\"\nto = \"int64\"",
            null_keys,
        ),
        (
            "op = \"set_not_null\"\ntable = \"skus\"\ncolumn = \"price\"\nfill = \"0\"",
            null_keys,
        ),
        (
            "op = \"set_not_null\"\ntable = \"skus\"\ncolumn = \"code\"",
            "2 rows of skus hold NULL in \"code\"",
        ),
    ] {
        ctx.write(1, "change", &format!("[[step]]\n{step}\n"))?;
        expect_refusal_mentioning(ctx.apply().await, needle).with_context(|| step.to_owned())?;
        ctx.assert_restored(&before).await?;
    }
    ctx.run_sql(&["DELETE FROM skus WHERE code IS NULL"])
        .await?;
    let steps = "[[step]]\nop = \"set_not_null\"\ntable = \"skus\"\ncolumn = \"code\"\n\n\
                 [[step]]\nop = \"set_not_null\"\ntable = \"bins\"\ncolumn = \"slot\"\n";
    round_trip(ctx, &[], steps, |_, applied| {
        has(applied, "table skus", &["code TEXT PRIMARY KEY NOT NULL"])?;
        has(applied, "table bins", &["slot INT NOT NULL"])
    })
    .await?;
    Ok(())
}
