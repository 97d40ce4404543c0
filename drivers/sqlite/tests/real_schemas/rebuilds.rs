//! Each rebuild step on tables written by hand: the text after the apply keeps every clause the
//! step is not about, and the rollback gives back the catalog exactly.

use anyhow::{ensure, Context as _};
use strata_conformance::TestContext;

use super::{count, has, lacks, round_trip, same, text};

/// The table of issue 9 as another tool writes it.
pub const SHOP: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE UNIQUE)",
    "CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER,
  amount TEXT DEFAULT '0' CHECK (length(amount) < 20),
  status TEXT NOT NULL DEFAULT 'new' COLLATE NOCASE,
  total_cents INTEGER GENERATED ALWAYS AS (CAST(amount AS INTEGER) * 100) VIRTUAL,
  CONSTRAINT orders_status_ck CHECK (status IN ('new','paid')),
  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)
)",
    "CREATE UNIQUE INDEX orders_user_status ON orders(user_id, status)",
    "CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN UPDATE users SET email = email WHERE id = NEW.user_id; END",
    "CREATE VIEW paid AS SELECT id, amount FROM orders WHERE status = 'paid'",
    "INSERT INTO users (id, email) VALUES (1, 'a@x.io'), (2, 'B@x.io'), (3, 'c@x.io')",
    // 'PAID' passes the CHECK only under the column's NOCASE collation.
    "INSERT INTO orders (user_id, amount, status) VALUES (1, '10', 'new'), (2, '250', 'paid'), (NULL, '7', 'PAID'), (3, '0', 'new')",
    "DELETE FROM orders WHERE id = 4",
    "UPDATE sqlite_sequence SET seq = 41 WHERE name = 'orders'",
];

pub async fn acceptance(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(SHOP).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "amounts_and_cascade",
        r#"
[[step]]
op = "change_type"
table = "orders"
column = "amount"
to = "int64"

[[step]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = { table = "users", columns = ["id"] }
on_delete = "cascade"
replace = "orders_user_fk"
"#,
    )?;
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    has(
        &applied,
        "table orders",
        &[
            "  amount BIGINT DEFAULT '0' CHECK (length(amount) < 20),\n",
            "  status TEXT NOT NULL DEFAULT 'new' COLLATE NOCASE,\n",
            "  total_cents INTEGER GENERATED ALWAYS AS (CAST(amount AS INTEGER) * 100) VIRTUAL,\n",
            "  CONSTRAINT orders_status_ck CHECK (status IN ('new','paid')),\n",
            // In place of the key it replaces, under its own name.
            "  CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE ON UPDATE NO ACTION\n)",
        ],
    )?;
    lacks(&applied, "table orders", &["REFERENCES users(id)"])?;
    same(
        &before.catalog,
        &applied,
        &[
            "index orders_user_status",
            "trigger orders_touch",
            "view paid",
            "sequence orders",
            "table users",
            "rows users",
        ],
    )?;
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM orders WHERE typeof(amount) = 'integer'"
        )
        .await?
            == 3
    );
    ensure!(
        count(ctx, "SELECT COUNT(*) FROM paid").await? == 2,
        "the view reads the new table"
    );
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM pragma_foreign_key_list('orders') WHERE on_delete = 'CASCADE'"
        )
        .await?
            == 1
    );
    ensure!(count(ctx, "SELECT total_cents FROM orders WHERE id = 2").await? == 25000);
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

pub async fn checks_and_generated(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT CHECK (length(name) > 0),
  nick TEXT,
  score INT DEFAULT 0 CONSTRAINT score_range CHECK (score BETWEEN 0 AND 100),
  plan TEXT NOT NULL DEFAULT 'free',
  legacy BLOB, -- to go
  doubled INT GENERATED ALWAYS AS (score * 2) STORED,
  label TEXT AS (upper(name)),
  CHECK (nick IS NULL OR nick <> name)
)",
        "INSERT INTO accounts (name, nick, score, plan) VALUES ('ann', NULL, 10, 'pro'), ('bob', 'b', NULL, 'free'), ('cy', NULL, 99, 'free')",
    ];
    let steps = r#"
[[step]]
op = "add_column"
table = "accounts"
column = "notes"
type = "string(40)"
default = "x"

[[step]]
op = "set_not_null"
table = "accounts"
column = "nick"
fill = "none"

[[step]]
op = "set_default"
table = "accounts"
column = "plan"
value = "basic"

[[step]]
op = "drop_not_null"
table = "accounts"
column = "plan"

[[step]]
op = "drop_default"
table = "accounts"
column = "score"

[[step]]
op = "change_type"
table = "accounts"
column = "score"
to = "int64"

[[step]]
op = "drop_column"
table = "accounts"
column = "legacy"
"#;
    round_trip(ctx, &ddl, steps, |_, applied| {
        has(
            applied,
            "table accounts",
            &[
                "  name TEXT CHECK (length(name) > 0),\n",
                "  nick TEXT NOT NULL,\n",
                "  score BIGINT CONSTRAINT score_range CHECK (score BETWEEN 0 AND 100),\n",
                "  plan TEXT DEFAULT 'basic',\n  doubled INT GENERATED ALWAYS AS (score * 2) STORED,\n",
                "  label TEXT AS (upper(name)), \"notes\" VARCHAR(40) DEFAULT 'x',\n",
                "  CHECK (nick IS NULL OR nick <> name)\n)",
            ],
        )
    })
    .await?;
    Ok(())
}

pub async fn autoincrement_gap(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, prio INT)",
        "INSERT INTO tickets (title, prio) VALUES ('a', 1), ('b', NULL), ('c', 3)",
        "DELETE FROM tickets WHERE id = 3",
        // The counter is above the highest key: a copy alone would set it to 2.
        "UPDATE sqlite_sequence SET seq = 100 WHERE name = 'tickets'",
    ];
    let steps = r#"
[[step]]
op = "set_not_null"
table = "tickets"
column = "prio"
fill = 0

[[step]]
op = "change_type"
table = "tickets"
column = "title"
to = "string(50)"
"#;
    round_trip(ctx, &ddl, steps, |before, applied| {
        ensure!(text(before, "sequence tickets")? == "100");
        same(before, applied, &["sequence tickets"])?;
        has(applied, "table tickets", &["id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(50) NOT NULL, prio INT NOT NULL)"])
    })
    .await?;
    Ok(())
}

pub async fn without_rowid_and_strict(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, n INT, old TEXT) WITHOUT ROWID",
        "CREATE TABLE measures (id INTEGER PRIMARY KEY, reading TEXT, unit TEXT NOT NULL DEFAULT 'm', raw ANY, old BLOB) STRICT",
        "INSERT INTO kv VALUES ('a', '1', 1, 'x'), ('b', '2', NULL, NULL)",
        "INSERT INTO measures (reading, unit, raw, old) VALUES ('12', 'cm', x'00', x'01'), ('7', 'm', 3.5, NULL), (NULL, 'km', 'text', x'02')",
    ];
    let steps = r#"
[[step]]
op = "drop_not_null"
table = "kv"
column = "v"

[[step]]
op = "set_default"
table = "kv"
column = "n"
value = 7

[[step]]
op = "change_type"
table = "measures"
column = "reading"
to = "int64"

[[step]]
op = "drop_default"
table = "measures"
column = "unit"

[[step]]
op = "drop_column"
table = "kv"
column = "old"

[[step]]
op = "drop_column"
table = "measures"
column = "old"
"#;
    ctx.run_sql(&ddl).await?;
    let before = ctx.capture().await?;
    ctx.write(1, "change", steps)?;
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    has(
        &applied,
        "table kv",
        &["CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n INT DEFAULT 7) WITHOUT ROWID"],
    )?;
    has(
        &applied,
        "table measures",
        &["(id INTEGER PRIMARY KEY, reading INTEGER, unit TEXT NOT NULL, raw ANY) STRICT"],
    )?;
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM measures WHERE typeof(reading) = 'integer'"
        )
        .await?
            == 2
    );
    ensure!(
        count(
            ctx,
            "SELECT COUNT(*) FROM measures WHERE typeof(raw) IN ('blob', 'real', 'text')"
        )
        .await?
            == 3
    );
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// Only names that start with `sqlite_` are SQLite's own: a user table named `sqliteusers`
/// (or `SQLiteX`) is the user's, and strata sees and rebuilds it, counter included.
pub async fn tables_named_like_sqlite(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE sqliteusers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
        "CREATE TABLE SQLiteXlog (id INTEGER PRIMARY KEY, line TEXT)",
        "INSERT INTO sqliteusers (name) VALUES ('a'), ('b'), ('c')",
        "DELETE FROM sqliteusers WHERE id = 3",
        "INSERT INTO SQLiteXlog VALUES (1, NULL)",
    ];
    let steps = "[[step]]\nop = \"set_default\"\ntable = \"sqliteusers\"\ncolumn = \"name\"\nvalue = \"anon\"\n\n\
                 [[step]]\nop = \"set_not_null\"\ntable = \"SQLiteXlog\"\ncolumn = \"line\"\nfill = \"-\"\n";
    round_trip(ctx, &ddl, steps, |before, applied| {
        ensure!(text(before, "sequence sqliteusers")? == "3");
        same(before, applied, &["sequence sqliteusers"])?;
        has(applied, "table sqliteusers", &["name TEXT DEFAULT 'anon'"])?;
        has(applied, "table SQLiteXlog", &["line TEXT NOT NULL"])
    })
    .await?;
    Ok(())
}

/// `add_index` then rebuilds of the same table in one migration (`set_not_null`,
/// `set_default`): each rebuild carries the index the earlier step made, not only those read
/// before the migration (issue 10: the index was gone and `verify` reported it missing).
pub async fn indexes_added_earlier_survive(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl = [
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT, d TEXT, e INT)",
        "CREATE INDEX t_e ON t (e DESC)",
        "INSERT INTO t VALUES (1, 'a', NULL, 1), (2, 'b', 'x', NULL)",
    ];
    let steps = r#"
[[step]]
op = "add_index"
table = "t"
columns = ["c"]

[[step]]
op = "set_not_null"
table = "t"
column = "d"
fill = "z"

[[step]]
op = "set_default"
table = "t"
column = "e"
value = 3
"#;
    round_trip(ctx, &ddl, steps, |before, after| {
        has(
            after,
            "index t_c_idx",
            &["CREATE INDEX \"t_c_idx\" ON \"t\" (\"c\")"],
        )?;
        same(before, after, &["index t_e"])?;
        has(after, "table t", &["d TEXT NOT NULL", "e INT DEFAULT 3"])
    })
    .await?;
    Ok(())
}

/// Four steps on one hand-written table — a drop, a conversion, NOT NULL with a fill and a
/// new default — in one table rebuild (`compile/one_rebuild.rs`): the plan says so and has
/// one rebuild, the table's text keeps every clause the steps are not about, the values come
/// out as each step alone leaves them, and rollback gives back the whole catalog.
pub async fn steps_on_one_table_in_one_rebuild(ctx: &TestContext) -> anyhow::Result<()> {
    let ddl: &[&str] = &[
        "CREATE TABLE accounts ( -- people
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT COLLATE NOCASE,
  age TEXT CHECK (length(age) < 10),
  legacy INT DEFAULT 3, /* old flags */
  plan TEXT NOT NULL DEFAULT 'free',
  CONSTRAINT accounts_plan_ck CHECK (plan IN ('free', 'pro'))
)",
        "CREATE INDEX accounts_plan_idx ON accounts(plan)",
        "CREATE TRIGGER accounts_audit AFTER UPDATE OF plan ON accounts BEGIN SELECT 1; END",
        "CREATE VIEW pros AS SELECT id, email FROM accounts WHERE plan = 'pro'",
        "INSERT INTO accounts (email, age, legacy, plan) VALUES ('a@x.io', ' 42', 1, 'pro'), (NULL, '+7', 2, 'free'), ('c@x.io', 'n/a', 3, 'pro'), (NULL, NULL, 4, 'free')",
        "UPDATE sqlite_sequence SET seq = 17 WHERE name = 'accounts'",
    ];
    let migration = format!(
        "{}\n[[step]]\nop = \"set_default\"\ntable = \"accounts\"\ncolumn = \"plan\"\nvalue = \"pro\"\n",
        strata_conformance::scenarios::ONE_TABLE_RUN
    );
    ctx.run_sql(ddl).await?;
    let before = ctx.capture().await?;
    ctx.write(1, "change", &migration)?;
    let plans = strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let combined: Vec<Option<usize>> = plans[0].steps.iter().map(|s| s.combined_into).collect();
    ensure!(
        combined == [None, Some(1), Some(1), Some(1)],
        "not one rebuild for the four steps: {combined:?}"
    );
    let rebuilds = plans[0]
        .actions()
        .iter()
        .filter(|a| a.kind == strata_core::ActionKind::Ddl)
        .count();
    ensure!(rebuilds == 1, "{rebuilds} rebuilds, not one");
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    has(
        &applied,
        "table accounts",
        &[
            "-- people",
            "id INTEGER PRIMARY KEY AUTOINCREMENT",
            "email TEXT COLLATE NOCASE NOT NULL",
            "age INTEGER CHECK (length(age) < 10)",
            "plan TEXT NOT NULL DEFAULT 'pro'",
            "CONSTRAINT accounts_plan_ck CHECK (plan IN ('free', 'pro'))",
        ],
    )?;
    lacks(&applied, "table accounts", &["legacy"])?;
    same(
        &before.catalog,
        &applied,
        &[
            "index accounts_plan_idx",
            "trigger accounts_audit",
            "view pros",
            "sequence accounts",
        ],
    )?;
    let converted = count(
        ctx,
        // SQLite takes a number whose text round-trips: ' 42' is 42, '+7' is not one.
        "SELECT COUNT(*) FROM accounts WHERE (id = 1 AND age = 42) OR (id IN (2, 3, 4) AND age IS NULL)",
    )
    .await?;
    ensure!(converted == 4, "{converted} of 4 ages as planned");
    let filled = count(
        ctx,
        "SELECT COUNT(*) FROM accounts WHERE email = 'nobody@x.io'",
    )
    .await?;
    ensure!(filled == 2, "{filled} of 2 NULL emails filled");
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}

/// What one rebuild does not take: a `change_type` with a `using` expression (it may read
/// another column of the run, which the one copy reads as it was before the run) and a step on
/// a key column (the backups are read back by key). Each is compiled alone, and the round
/// trip is exact.
pub async fn using_and_key_steps_are_rebuilt_alone(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE items (code TEXT NOT NULL, price TEXT, qty TEXT, note TEXT, PRIMARY KEY (code))",
        "INSERT INTO items VALUES ('a', '10', '2', 'x'), ('b', 'abc', '3', NULL)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "items",
        r#"
[[step]]
op = "change_type"
table = "items"
column = "price"
to = "int32"
on_incompatible = "set_null"

[[step]]
op = "change_type"
table = "items"
column = "qty"
to = "int32"
using = { sqlite = "CAST(price AS INTEGER) * CAST(qty AS INTEGER)" }

[[step]]
op = "change_type"
table = "items"
column = "code"
to = "string(4)"

[[step]]
op = "drop_column"
table = "items"
column = "note"
"#,
    )?;
    let plans = strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let combined: Vec<Option<usize>> = plans[0].steps.iter().map(|s| s.combined_into).collect();
    ensure!(
        combined == [None, None, None, None],
        "a using or key step was combined: {combined:?}"
    );
    ctx.apply().await.context("applying")?;
    // As one by one: the `using` reads price as step 1 left it (NULL for 'abc').
    let totals = count(
        ctx,
        "SELECT COUNT(*) FROM items WHERE (code = 'a' AND qty = 20) OR (code = 'b' AND qty IS NULL)",
    )
    .await?;
    ensure!(
        totals == 2,
        "{totals} of 2 quantities as the steps one by one make them"
    );
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await
}
