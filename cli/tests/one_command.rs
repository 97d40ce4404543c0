//! Several pending migrations in one `apply`: the schema is carried from one to the next, and
//! a migration that names a table an earlier one changed is planned on a fresh inspection —
//! so one command refuses what two commands would, and a column made by an earlier
//! migration of the command is changed with its exact definition (MySQL's definitions are
//! the server's, not the simulation's). Tables built by hand with each engine's own DDL.

mod common;

use common::Engine;
use strata_conformance::TestContext;
use strata_core::{Driver, Statement};

const REFERENCES: &str = r#"
[[step]]
op = "add_foreign_key"
table = "items"
columns = ["order_id"]
references = { table = "orders", columns = ["id"] }
on_delete = "cascade"
"#;

const DELETE_ORPHANS: &str = r#"
[[step]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = { table = "users", columns = ["id"] }
orphans = "delete"
"#;

async fn exec(d: &dyn Driver, sql: &str) -> anyhow::Result<()> {
    for s in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        d.execute(&Statement::Sql(s.to_owned())).await?;
    }
    Ok(())
}

/// Deleting the orphan orders would cascade to items a migration of the same command made
/// reference them: refused in one command as in two, every row kept.
async fn a_cascade_added_earlier_in_the_command_is_seen(engine: Engine) -> anyhow::Result<()> {
    let url = engine.create_database().await?;
    let ctx = TestContext::new(engine.name(), &url).await?;
    let d: &dyn Driver = ctx.driver.as_ref();
    exec(
        d,
        "CREATE TABLE users (id integer NOT NULL, CONSTRAINT users_pk PRIMARY KEY (id)); \
         CREATE TABLE orders (id integer NOT NULL, user_id integer, CONSTRAINT orders_pk PRIMARY KEY (id)); \
         CREATE TABLE items (id integer NOT NULL, order_id integer, CONSTRAINT items_pk PRIMARY KEY (id)); \
         INSERT INTO users VALUES (1); \
         INSERT INTO orders VALUES (10, 1); INSERT INTO orders VALUES (11, 99); \
         INSERT INTO items VALUES (100, 10); INSERT INTO items VALUES (101, 11)",
    )
    .await?;
    ctx.write(1, "items_reference_orders", REFERENCES)?;
    ctx.write(2, "orders_reference_users", DELETE_ORPHANS)?;
    let refused = ctx.apply().await;
    let message = format!("{:?}", refused.as_ref().map(|_| ()));
    anyhow::ensure!(
        refused.is_err() && message.contains("cascade"),
        "{engine:?}: the second migration is refused for the cascade: {message}"
    );
    for (table, rows) in [("orders", 2), ("items", 2)] {
        let n = d
            .query_count(&Statement::Sql(format!("SELECT COUNT(*) FROM {table}")))
            .await?;
        anyhow::ensure!(
            n == rows,
            "{engine:?}: {table} keeps its {rows} rows, has {n}"
        );
    }
    drop(ctx);
    engine.drop_database(&url).await
}

/// A column one migration of the command creates, another changes.
async fn a_table_made_earlier_in_the_command_is_changed(engine: Engine) -> anyhow::Result<()> {
    let url = engine.create_database().await?;
    let ctx = TestContext::new(engine.name(), &url).await?;
    ctx.write(
        1,
        "people",
        "[[step]]\nop = \"create_table\"\ntable = \"people\"\ncolumns = [\n  { name = \"id\", type = \"int64\", primary_key = true },\n  { name = \"email\", type = \"string(80)\" },\n  { name = \"age\", type = \"string(10)\" },\n]\n",
    )?;
    ctx.write(
        2,
        "people_tightened",
        "[[step]]\nop = \"set_not_null\"\ntable = \"people\"\ncolumn = \"email\"\n\n[[step]]\nop = \"change_type\"\ntable = \"people\"\ncolumn = \"age\"\nto = \"int32\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(2).await?;
    drop(ctx);
    engine.drop_database(&url).await
}

#[tokio::test]
async fn one_command_plans_each_migration_on_what_the_earlier_ones_left() -> anyhow::Result<()> {
    for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
        a_cascade_added_earlier_in_the_command_is_seen(engine).await?;
        a_table_made_earlier_in_the_command_is_changed(engine).await?;
    }
    Ok(())
}
