//! What the generative round trip found on MySQL / MariaDB, each as a fixed case on a schema
//! built with the server's own DDL.

use anyhow::ensure;
use strata_conformance::scenarios::expect_refusal_mentioning;
use strata_conformance::TestContext;

/// Literals the server prints with backslash escapes (a newline, a quote in a TEXT default, a
/// backslash) come back the same through a dropped column and a dropped table.
pub async fn escaped_literals_come_back(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE notes (id INT PRIMARY KEY, a VARCHAR(40) DEFAULT 'line\nbreak', b TEXT DEFAULT 'O''Brien', c VARCHAR(40) DEFAULT 'back\\\\slash' COMMENT 'it''s')",
        "CREATE TABLE old_notes (id INT PRIMARY KEY, t TEXT DEFAULT 'x''y\nz')",
        "INSERT INTO notes (id) VALUES (1), (2)",
        "INSERT INTO old_notes (id) VALUES (1)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "drops",
        "[[step]]\nop = \"drop_column\"\ntable = \"notes\"\ncolumn = \"a\"\n\n[[step]]\nop = \"drop_column\"\ntable = \"notes\"\ncolumn = \"b\"\n\n[[step]]\nop = \"drop_column\"\ntable = \"notes\"\ncolumn = \"c\"\n\n[[step]]\nop = \"drop_table\"\ntable = \"old_notes\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A JSON column (a CHECK of its own on MariaDB) made NOT NULL, renamed, then another column
/// swapped: the rollback renames it back (RENAME COLUMN failed there).
pub async fn json_column_renamed_back(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE tags (id INT PRIMARY KEY, created VARCHAR(20), total JSON DEFAULT '{}', CONSTRAINT tags_created_ck CHECK (created <> ''))",
        "INSERT INTO tags VALUES (1, 'a', NULL), (2, 'bb', '{}')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write_file(
        1,
        "json",
        "json",
        r#"{"step": [
            {"op": "set_not_null", "table": "tags", "column": "total", "fill": {"a": 1}},
            {"op": "rename_column", "table": "tags", "column": "total", "to": "col1"},
            {"op": "change_type", "table": "tags", "column": "created", "to": "string(1)", "on_incompatible": "set_null"}
        ]}"#,
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A column a named table CHECK names, renamed after a rename and a backfill of the same
/// table. When the first query to open a table after an ALTER reads it under an alias (the
/// backfill's backup, `… FROM events c`), MariaDB 10.11 refuses every later `RENAME COLUMN`
/// of a checked column ("Unknown column 'due' in 'CHECK'") until the table is reopened.
/// Apply renames it, the CHECK follows, and rollback gives back the exact table.
pub async fn checked_column_renamed_after_aliased_reads(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE events (id INT PRIMARY KEY, due TEXT, grp DATETIME, doc JSON)",
        "ALTER TABLE events ADD CONSTRAINT events_due_ck CHECK (due <> '')",
        "CREATE VIEW recent AS SELECT id FROM events",
        "INSERT INTO events VALUES (1, '-7', NULL, NULL), (2, NULL, NULL, '[]')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write_file(
        1,
        "renames",
        "json",
        r#"{"step": [
            {"op": "rename_column", "table": "events", "column": "doc", "to": "body"},
            {"op": "backfill", "table": "events", "set": {"grp": "2024-02-29T23:59:59"}, "batch_size": 1},
            {"op": "rename_column", "table": "events", "column": "due", "to": "due_text"}
        ]}"#,
    )?;
    ctx.apply().await?;
    let after = ctx.schema().await?;
    let events = after
        .tables
        .values()
        .find(|t| t.name.name == "events")
        .ok_or_else(|| anyhow::anyhow!("no table events after apply"))?;
    ensure!(
        events
            .constraints
            .iter()
            .any(|c| c.name == "events_due_ck" && c.definition.contains("`due_text`")),
        "the CHECK does not name the new column: {:?}",
        events.constraints
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// The one-`ALTER` rename MariaDB falls back to when its cached CHECK refuses the plain
/// one, run on a table in exactly that state (changed, then first read under an alias): it
/// renames a column two table CHECKs and a column CHECK name, between CHECKs that do not
/// name it, keeps the server's order of the CHECKs, and the way back gives back the exact
/// `SHOW CREATE TABLE`.
pub async fn checked_rename_fallback_round_trips(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE events (id INT PRIMARY KEY, due TEXT, grp DATETIME, doc JSON, \
         CONSTRAINT a_ck CHECK (id > 0), CONSTRAINT m_ck CHECK (due <> 'it''s `due`'), \
         CONSTRAINT b_ck CHECK (grp IS NULL OR id < 100))",
        "ALTER TABLE events ADD CONSTRAINT events_due_ck CHECK (DUE <> '' AND id > 0)",
        "INSERT INTO events VALUES (1, '-7', NULL, NULL), (2, NULL, NULL, '[]')",
    ])
    .await?;
    let before = ctx.capture().await?;
    let schema = ctx.schema().await?;
    let events = schema
        .tables
        .values()
        .find(|t| t.name.name == "events")
        .ok_or_else(|| anyhow::anyhow!("no table events"))?;
    for (column, to) in [("due", "due_text"), ("doc", "body")] {
        let (forward, back) = strata_mysql::testing::checked_rename(events, column, to)
            .ok_or_else(|| anyhow::anyhow!("no CHECK names {column}"))?;
        // The state of the bug: changed, then first opened by a read under an alias.
        ctx.run_sql(&[
            "ALTER TABLE events COMMENT 'x'",
            "ALTER TABLE events COMMENT ''",
        ])
        .await?;
        ctx.run_sql(&["SELECT c.id FROM events c"]).await?;
        ctx.run_sql(&[&forward]).await?;
        let after = ctx.schema().await?;
        let renamed = after
            .tables
            .values()
            .find(|t| t.name.name == "events")
            .ok_or_else(|| anyhow::anyhow!("no table events after the rename"))?;
        ensure!(
            renamed.column(to).is_some() && renamed.column(column).is_none(),
            "{forward} did not rename {column}: {:?}",
            renamed.columns
        );
        let names = |t: &strata_core::schema::Table| -> Vec<String> {
            t.constraints.iter().map(|c| c.name.clone()).collect()
        };
        ensure!(
            names(renamed) == names(events),
            "the CHECKs changed order: {:?}, before {:?}",
            names(renamed),
            names(events)
        );
        let named = |text: &str| text.contains(&format!("`{to}`"));
        ensure!(
            match column {
                "due" => ["m_ck", "events_due_ck"]
                    .iter()
                    .all(|n| renamed.constraint(n).is_some_and(|c| named(&c.definition))),
                _ => renamed
                    .column(to)
                    .and_then(|c| c.definition.as_deref())
                    .is_some_and(|d| d.contains(&format!("json_valid(`{to}`)"))),
            },
            "a CHECK does not name {to}: {:?} {:?}",
            renamed.constraints,
            renamed.column(to)
        );
        ctx.run_sql(&["SELECT c.id FROM events c"]).await?;
        ctx.run_sql(&[&back]).await?;
        ctx.assert_restored(&before).await?;
    }
    Ok(())
}

/// Placeholder parents raise the AUTO_INCREMENT counter; an unnamed foreign key dropped and
/// re-added makes the server rename its index; a column with a unique default comes back:
/// rollback gives back the exact `SHOW CREATE TABLE` of each.
pub async fn counters_and_server_indexes_come_back(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE items (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, label VARCHAR(20))",
        "CREATE TABLE shipments (id INT PRIMARY KEY, item_id INT, code VARCHAR(8) DEFAULT 'k' UNIQUE)",
        "CREATE TABLE tags (id INT PRIMARY KEY, tags_ref INT)",
        "ALTER TABLE tags ADD FOREIGN KEY (tags_ref) REFERENCES tags (id)",
        "INSERT INTO items (label) VALUES ('a'), ('b')",
        "INSERT INTO shipments VALUES (1, 1, 'x'), (2, 900001, 'y')",
        "INSERT INTO tags VALUES (1, NULL), (2, 1)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "keys",
        r#"
[[step]]
op = "add_foreign_key"
table = "shipments"
columns = ["item_id"]
references = { table = "items", columns = ["id"] }
orphans = "placeholder"

[[step]]
op = "drop_foreign_key"
table = "tags"
name = "tags_ibfk_1"

[[step]]
op = "drop_column"
table = "shipments"
column = "code"
"#,
    )?;
    ctx.apply().await?;
    ensure!(
        ctx.catalog().await?["table items"].contains("AUTO_INCREMENT=900002"),
        "the placeholder did not raise the counter (this case needs it raised)"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// What MySQL would stop half way is refused in the plan: bytes that are not UTF-8 made text
/// without set_null, a CHECK over a column whose kind of type changes, an index InnoDB could
/// not keep on TEXT.
pub async fn half_way_failures_are_refused(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE files (id INT PRIMARY KEY, body BLOB, size VARCHAR(10), name VARCHAR(40), CONSTRAINT size_set CHECK (size <> ''), KEY files_name (name))",
        "INSERT INTO files VALUES (1, X'0001FF', '12', 'a'), (2, X'68656C6C6F', '7', 'b')",
    ])
    .await?;
    let before = ctx.capture().await?;
    let cases = [
        (
            "[[step]]\nop = \"change_type\"\ntable = \"files\"\ncolumn = \"body\"\nto = \"text\"\n",
            "values of files.body will not convert to text",
        ),
        (
            "[[step]]\nop = \"change_type\"\ntable = \"files\"\ncolumn = \"size\"\nto = \"int32\"\n",
            "CHECK constraint size_set names column \"size\"",
        ),
        (
            "[[step]]\nop = \"change_type\"\ntable = \"files\"\ncolumn = \"name\"\nto = \"text\"\n",
            "which InnoDB cannot build on text",
        ),
    ];
    ctx.expect_refusals(&cases).await?;
    // With set_null, the bytes that are not UTF-8 become NULL, and come back on rollback.
    ctx.write(
        1,
        "text",
        "[[step]]\nop = \"change_type\"\ntable = \"files\"\ncolumn = \"body\"\nto = \"text\"\non_incompatible = \"set_null\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A foreign key whose index the server made, then in one migration an index that can serve
/// the key and its drop: the server drops its own index once the new one exists, so the drop
/// would leave the key with none (error 1553 half way). The plan refuses it; the index alone
/// applies, and rollback gives the server's index back under its name.
pub async fn dropping_an_index_that_took_over_a_key_is_refused(
    ctx: &TestContext,
) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE orders (id INT PRIMARY KEY)",
        "CREATE TABLE items (id INT PRIMARY KEY, orders_ref INT)",
        "ALTER TABLE items ADD CONSTRAINT items_orders_fk FOREIGN KEY (orders_ref) REFERENCES orders (id)",
        "INSERT INTO orders VALUES (1)",
        "INSERT INTO items VALUES (1, 1), (2, NULL)",
    ])
    .await?;
    let before = ctx.capture().await?;
    let add = "[[step]]\nop = \"add_index\"\ntable = \"items\"\ncolumns = [\"orders_ref\"]\nname = \"items_ref_ux\"\nunique = true\n";
    let path = ctx.write(
        1,
        "swap",
        &format!(
            "{add}\n[[step]]\nop = \"drop_index\"\ntable = \"items\"\nname = \"items_ref_ux\"\n"
        ),
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "index \"items_ref_ux\" is the one foreign key items_orders_fk needs",
    )?;
    ensure!(
        ctx.capture().await? == before,
        "a refused plan changed the database"
    );
    std::fs::remove_file(path)?;
    ctx.write(1, "index", add)?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// Columns whose names hold a quote, a space and a keyword: `set_not_null` with a fill and
/// `set_default` rebuild their definitions right (the quote in `o'brien` was read as the
/// start of a string literal: `DEFAULT NULL NOT NULL`, error 1067), and rollback restores.
pub async fn odd_column_names_keep_their_definitions(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE people (id INT PRIMARY KEY, `o'brien` LONGTEXT, `x DEFAULT y` VARCHAR(10) COMMENT 'it''s')",
        "INSERT INTO people VALUES (1, NULL, NULL), (2, 'kept', 'v')",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write_file(
        1,
        "odd",
        "json",
        r#"{"step": [
            {"op": "set_not_null", "table": "people", "column": "o'brien", "fill": "none"},
            {"op": "set_default", "table": "people", "column": "x DEFAULT y", "value": "d"},
            {"op": "set_not_null", "table": "people", "column": "x DEFAULT y", "fill": "f"}
        ]}"#,
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A table name with a trailing space and a column name beyond U+FFFF: the server refuses
/// both ("Incorrect table name", "Invalid utf8mb3 character"); the plan says so first.
pub async fn names_mysql_rejects_are_refused_in_plan(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&["CREATE TABLE t (id INT PRIMARY KEY)"])
        .await?;
    let before = ctx.capture().await?;
    for (step, why) in [
        (
            "[[step]]\nop = \"create_table\"\ntable = \"trailing \"\ncolumns = [{ name = \"id\", type = \"int64\", primary_key = true }]\n",
            "does not allow a name to end with a space",
        ),
        (
            "[[step]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = \"smile😀\"\ntype = \"text\"\n",
            "only characters up to U+FFFF",
        ),
    ] {
        let path = ctx.write(1, "bad", step)?;
        expect_refusal_mentioning(ctx.apply().await, why)?;
        std::fs::remove_file(path)?;
    }
    ensure!(
        ctx.capture().await? == before,
        "a refused plan changed the database"
    );
    Ok(())
}

/// A self-referencing key added with placeholders where an orphan is key 0 of an
/// AUTO_INCREMENT column: the placeholder is written as 0 (without NO_AUTO_VALUE_ON_ZERO the
/// server gave it the next counter value, the key still had an orphan: error 1452 half way),
/// and rollback gives back the rows and the counter.
pub async fn placeholder_for_key_zero(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE nodes (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, parent INT)",
        "INSERT INTO nodes VALUES (1, 0), (2, 1), (3, NULL)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "tree",
        "[[step]]\nop = \"add_foreign_key\"\ntable = \"nodes\"\ncolumns = [\"parent\"]\nreferences = { table = \"nodes\", columns = [\"id\"] }\norphans = \"placeholder\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
