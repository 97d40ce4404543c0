//! MySQL / MariaDB scenarios on schemas built with the engine's own DDL, the way other tools
//! and people write it, not through strata: constraints added by `ALTER TABLE`, the indexes
//! the server makes for foreign keys, views, triggers, comments. Each round trip compares the
//! engine's whole catalog (`SHOW CREATE TABLE` and the rest) before and after the rollback.

mod batches;
mod found;
mod lock_wait;
mod one_alter;

use anyhow::ensure;
use strata_conformance::{Scenario, TestContext};

/// The scenarios, run by the conformance harness after the portable ones.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::new("readers_are_not_queued_behind_a_waiting_alter", |ctx| {
        Box::pin(lock_wait::readers_are_not_queued_behind_a_waiting_alter(
            ctx,
        ))
    }),
    Scenario::new(
        "a_lock_held_past_the_timeout_fails_naming_the_attempts",
        |ctx| Box::pin(lock_wait::a_lock_held_past_the_timeout_fails_naming_the_attempts(ctx)),
    ),
    Scenario::new("implicit_fk_index_survives_replace_and_add_index", |ctx| {
        Box::pin(implicit_fk_index(ctx))
    }),
    Scenario::new("drop_index_a_foreign_key_needs_is_refused_in_plan", |ctx| {
        Box::pin(drop_needed_index(ctx))
    }),
    Scenario::new("change_type_under_a_view_applies_and_rolls_back", |ctx| {
        Box::pin(change_type_under_view(ctx))
    }),
    Scenario::new(
        "renames_and_drops_that_break_views_are_refused_in_plan",
        |ctx| Box::pin(breaking_steps_refused(ctx)),
    ),
    Scenario::new("escaped_literals_come_back", |ctx| {
        Box::pin(found::escaped_literals_come_back(ctx))
    }),
    Scenario::new("json_column_renamed_back", |ctx| {
        Box::pin(found::json_column_renamed_back(ctx))
    }),
    Scenario::new("checked_column_renamed_after_aliased_reads", |ctx| {
        Box::pin(found::checked_column_renamed_after_aliased_reads(ctx))
    }),
    Scenario::new("backfill_walks_composite_keys_in_batches", |ctx| {
        Box::pin(batches::composite_keys_walked_in_batches(ctx))
    }),
    Scenario::new("backfill_batches_do_not_rescan", |ctx| {
        Box::pin(batches::batches_do_not_rescan(ctx))
    }),
    Scenario::new("checked_rename_fallback_round_trips", |ctx| {
        Box::pin(found::checked_rename_fallback_round_trips(ctx))
    }),
    Scenario::new("dropping_an_index_that_took_over_a_key_is_refused", |ctx| {
        Box::pin(found::dropping_an_index_that_took_over_a_key_is_refused(
            ctx,
        ))
    }),
    Scenario::new("odd_column_names_keep_their_definitions", |ctx| {
        Box::pin(found::odd_column_names_keep_their_definitions(ctx))
    }),
    Scenario::new("names_mysql_rejects_are_refused_in_plan", |ctx| {
        Box::pin(found::names_mysql_rejects_are_refused_in_plan(ctx))
    }),
    Scenario::new("placeholder_for_key_zero_of_an_auto_increment_key", |ctx| {
        Box::pin(found::placeholder_for_key_zero(ctx))
    }),
    Scenario::new("counters_and_server_indexes_come_back", |ctx| {
        Box::pin(found::counters_and_server_indexes_come_back(ctx))
    }),
    Scenario::new("half_way_failures_are_refused_in_plan", |ctx| {
        Box::pin(found::half_way_failures_are_refused(ctx))
    }),
    Scenario::new("steps_on_one_table_share_one_alter", |ctx| {
        Box::pin(one_alter::steps_on_one_table_share_one_alter(ctx))
    }),
    Scenario::new("a_step_one_alter_cannot_take_ends_the_run", |ctx| {
        Box::pin(one_alter::a_step_it_cannot_take_ends_the_run(ctx))
    }),
];

/// `orders.user_id` gets its foreign key by `ALTER TABLE … ADD CONSTRAINT` with no index of
/// its own, so the server makes index `orders_user_fk`.
const SHOP: &[&str] = &[
    "CREATE TABLE users (id INT NOT NULL AUTO_INCREMENT, email VARCHAR(100) NOT NULL, PRIMARY KEY (id), UNIQUE KEY users_email_uq (email)) COMMENT 'people'",
    "CREATE TABLE orders (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id INT NULL, total DECIMAL(10,2) NOT NULL DEFAULT 0.00 COMMENT 'gross', note VARCHAR(20), KEY orders_note_idx (note))",
    "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
    "CREATE VIEW big_orders AS SELECT o.id, o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.total > 10",
    "CREATE TRIGGER orders_note_default BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = COALESCE(NEW.note, 'none')",
    "INSERT INTO users (email) VALUES ('a@x.io'), ('b@x.io'), ('c@x.io')",
    "INSERT INTO orders (user_id, total, note) VALUES (1, 10.50, 'first'), (2, 99.99, NULL), (NULL, 5.00, 'guest'), (1, 12.00, 'again')",
    "DELETE FROM orders WHERE id = 4",
];

async fn implicit_fk_index(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(SHOP).await?;
    let before = ctx.capture().await?;
    ensure!(
        before.catalog["table orders"].contains("KEY `orders_user_fk` (`user_id`)"),
        "the server made no index for the key: {}",
        before.catalog["table orders"]
    );
    ctx.write(
        1,
        "cascade",
        // The steps as an array of inline tables, as some write TOML.
        r#"
step = [
  { op = "add_foreign_key", table = "orders", columns = ["user_id"], references = { table = "users", columns = ["id"] }, on_delete = "cascade", replace = "orders_user_fk" },
  { op = "add_index", table = "orders", columns = ["user_id"] },
]
"#,
    )?;
    let plan = strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let warned = plan[0].steps[1]
        .analysis
        .warnings
        .iter()
        .any(|w| w.contains("orders_user_fk") && w.contains("rollback re-creates it"));
    ensure!(
        warned,
        "the plan does not say what the server does to orders_user_fk: {:?}",
        plan[0].steps[1].analysis.warnings
    );
    ctx.apply().await?;
    let applied = ctx.catalog().await?;
    ensure!(
        !applied["table orders"].contains("KEY `orders_user_fk`"),
        "the server kept its index (this scenario needs it dropped): {}",
        applied["table orders"]
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

async fn drop_needed_index(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(SHOP).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "drop",
        "[[step]]\nop = \"drop_index\"\ntable = \"orders\"\nname = \"orders_user_fk\"\n",
    )?;
    strata_conformance::scenarios::expect_refusal_mentioning(
        ctx.apply().await,
        "index \"orders_user_fk\" is the one foreign key orders_user_fk needs",
    )?;
    ctx.assert_restored(&before).await
}

/// The server resolves a view when it is queried, so a new column type leaves it valid:
/// strata does not refuse, and the view answers the same before and after.
async fn change_type_under_view(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(SHOP).await?;
    ctx.run_sql(&[
        "CREATE VIEW big_orders_base AS SELECT o.user_id, o.total FROM orders o",
        "CREATE VIEW order_totals AS SELECT user_id, SUM(total) AS amount FROM big_orders_base GROUP BY user_id",
    ])
    .await?;
    let before = ctx.capture().await?;
    let answered = big_totals(ctx).await?;
    ctx.write(
        1,
        "widen",
        "[[step]]\nop = \"change_type\"\ntable = \"orders\"\ncolumn = \"total\"\nto = \"decimal(14,4)\"\n",
    )?;
    ctx.apply().await?;
    ensure!(
        ctx.catalog().await?["table orders"].contains("`total` decimal(14,4)"),
        "the type did not change"
    );
    ensure!(
        big_totals(ctx).await? == answered,
        "the views answer differently"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

async fn big_totals(ctx: &TestContext) -> strata_core::Result<i64> {
    ctx.driver
        .query_count(&strata_core::Statement::Sql(
            "SELECT COUNT(*) FROM order_totals WHERE amount > 10".into(),
        ))
        .await
}

/// A dropped or renamed column, or a renamed table, breaks the views and triggers that name
/// it (the server keeps their text): refused before anything runs, each one named.
async fn breaking_steps_refused(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(SHOP).await?;
    let before = ctx.capture().await?;
    let cases = [
        (
            "[[step]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"email\"\n",
            "view big_orders depend on column \"email\"",
        ),
        (
            "[[step]]\nop = \"rename_column\"\ntable = \"orders\"\ncolumn = \"note\"\nto = \"remark\"\n",
            "trigger orders_note_default on orders name column \"note\" and would break",
        ),
        (
            "[[step]]\nop = \"rename_column\"\ntable = \"orders\"\ncolumn = \"total\"\nto = \"gross\"\n",
            "view big_orders name column \"total\" and would break",
        ),
        (
            "[[step]]\nop = \"rename_table\"\ntable = \"users\"\nto = \"people\"\n",
            "view big_orders name table \"users\" and would break",
        ),
    ];
    ctx.expect_refusals(&cases).await?;
    ctx.assert_restored(&before).await?;
    // Dropping a table would lose its trigger, which the rollback could not re-create: the
    // analysis refuses it.
    ctx.run_sql(&[
        "CREATE TABLE audit_log (id INT PRIMARY KEY, note VARCHAR(20))",
        "CREATE TRIGGER audit_log_note BEFORE INSERT ON audit_log FOR EACH ROW SET NEW.note = COALESCE(NEW.note, 'none')",
    ])
    .await?;
    ctx.write(
        1,
        "drop",
        "[[step]]\nop = \"drop_table\"\ntable = \"audit_log\"\n",
    )?;
    let plan = strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?;
    let refused = plan[0].steps[0].analysis.blocking();
    ensure!(
        refused
            .iter()
            .any(|r| r.detail.contains("has triggers (audit_log_note)")),
        "the plan does not refuse dropping a table with a trigger: {refused:?}"
    );
    // Refused by the analysis itself, which so announces no rows as destroyed.
    ensure!(
        plan[0].steps[0].analysis.findings.is_empty(),
        "a refused drop_table reports findings: {:?}",
        plan[0].steps[0].analysis.findings
    );
    Ok(())
}
