//! SQLite scenarios on schemas written as SQLite DDL the way other tools and people write
//! them, not through strata: named and unnamed CHECKs, collations, generated columns,
//! AUTOINCREMENT with a gap, WITHOUT ROWID, STRICT, inline and table foreign keys, odd
//! quoting, comments, triggers, views. Each round trip checks the text strata leaves after
//! the apply, then compares the engine's whole catalog (exact `sqlite_master` text,
//! `sqlite_sequence`, every row) before and after the rollback.
//!
//! This file uses nothing of the driver crate, so the plugin's tests include it as it is.

use anyhow::{ensure, Context as _};
use strata_conformance::{Catalog, Scenario, TestContext};

mod conversions;
mod keys;
mod rebuilds;
mod refusals;
mod renames;

/// The scenarios, run by the conformance harness after the portable ones.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::new(
        "named_check_collation_trigger_view_and_fk_survive_change_type_and_replace",
        |ctx| Box::pin(rebuilds::acceptance(ctx)),
    ),
    Scenario::new(
        "nullability_defaults_and_added_columns_keep_checks_and_generated_columns",
        |ctx| Box::pin(rebuilds::checks_and_generated(ctx)),
    ),
    Scenario::new(
        "autoincrement_counter_above_the_highest_key_survives",
        |ctx| Box::pin(rebuilds::autoincrement_gap(ctx)),
    ),
    Scenario::new("without_rowid_and_strict_tables_rebuild", |ctx| {
        Box::pin(rebuilds::without_rowid_and_strict(ctx))
    }),
    Scenario::new("inline_and_table_foreign_keys_in_odd_quoting", |ctx| {
        Box::pin(keys::foreign_keys_odd_quoting(ctx))
    }),
    Scenario::new("drop_column_takes_its_own_constraints_and_keys", |ctx| {
        Box::pin(keys::drop_column_with_its_keys(ctx))
    }),
    Scenario::new("rowids_and_self_qualified_checks_survive", |ctx| {
        Box::pin(keys::rowids_and_qualified_checks(ctx))
    }),
    Scenario::new(
        "index_added_earlier_in_the_migration_survives_rebuilds",
        |ctx| Box::pin(keys::index_added_earlier(ctx)),
    ),
    Scenario::new(
        "drop_column_used_by_a_view_trigger_check_or_index_is_refused_in_plan",
        |ctx| Box::pin(refusals::drop_column_in_use(ctx)),
    ),
    Scenario::new(
        "strict_decimal_and_generated_columns_are_refused_in_plan",
        |ctx| Box::pin(refusals::strict_and_generated(ctx)),
    ),
    Scenario::new(
        "rebuild_after_an_index_made_by_a_sql_step_is_refused_not_lost",
        |ctx| Box::pin(refusals::rebuild_after_a_sql_step_is_checked(ctx)),
    ),
    Scenario::new(
        "rename_column_rewrites_views_and_triggers_and_comes_back",
        |ctx| Box::pin(renames::rename_column_with_views_and_triggers(ctx)),
    ),
    Scenario::new("simulated_text_is_what_the_engine_writes", |ctx| {
        Box::pin(renames::simulated_text_matches(ctx))
    }),
    Scenario::new(
        "rename_to_a_quoted_name_is_predicted_and_its_requoting_announced",
        |ctx| Box::pin(renames::rename_to_a_quoted_name(ctx)),
    ),
    Scenario::new("simulated_rename_table_is_what_the_engine_writes", |ctx| {
        Box::pin(renames::simulated_rename_table_matches(ctx))
    }),
    Scenario::new(
        "change_type_keeps_blobs_that_are_not_text_out_of_text",
        |ctx| Box::pin(conversions::blobs_that_are_not_text(ctx)),
    ),
    Scenario::new("change_type_to_a_number_refuses_dates", |ctx| {
        Box::pin(conversions::dates_are_not_numbers(ctx))
    }),
    Scenario::new(
        "change_type_that_repeats_a_unique_key_or_orphans_a_default_is_refused_in_plan",
        |ctx| Box::pin(conversions::conversions_that_break_keys(ctx)),
    ),
    Scenario::new(
        "unique_index_on_values_earlier_steps_wrote_is_checked_before_it_is_made",
        |ctx| Box::pin(refusals::unique_index_after_earlier_writes(ctx)),
    ),
    Scenario::new(
        "placeholders_repeating_a_unique_default_refuse_the_migration",
        |ctx| Box::pin(keys::placeholders_under_a_unique_default(ctx)),
    ),
    Scenario::new(
        "rename_column_read_through_a_view_is_refused_in_plan",
        |ctx| Box::pin(refusals::rename_column_read_through_a_view(ctx)),
    ),
    Scenario::new(
        "drop_column_renamed_earlier_is_checked_against_views_under_its_live_name",
        |ctx| Box::pin(refusals::drop_column_renamed_earlier_in_use(ctx)),
    ),
    Scenario::new(
        "written_values_a_check_refuses_are_refused_in_plan",
        |ctx| Box::pin(refusals::writes_a_check_refuses(ctx)),
    ),
    Scenario::new(
        "deleted_orphans_come_back_without_a_new_autoincrement_counter",
        |ctx| Box::pin(keys::deleted_orphans_keep_the_counters(ctx)),
    ),
    Scenario::new("change_type_of_the_rowid_alias_keeps_it_integer", |ctx| {
        Box::pin(conversions::rowid_alias_stays_integer(ctx))
    }),
    Scenario::new(
        "rollback_of_a_rebuild_after_a_hotfix_outside_strata_is_refused_not_lost",
        |ctx| Box::pin(refusals::rollback_after_a_hotfix_is_refused_not_lost(ctx)),
    ),
    Scenario::new(
        "null_primary_keys_refuse_keyed_backups_and_set_not_null_is_not_a_no_op",
        |ctx| Box::pin(keys::null_primary_keys(ctx)),
    ),
    Scenario::new(
        "failed_rename_table_leaves_later_rebuilds_under_legacy_alter_table",
        |ctx| Box::pin(renames::failed_rename_table_leaves_the_session_legacy(ctx)),
    ),
    Scenario::new("indexes_added_earlier_survive_later_rebuilds", |ctx| {
        Box::pin(rebuilds::indexes_added_earlier_survive(ctx))
    }),
    Scenario::new("user_tables_named_like_sqlite_are_migrated", |ctx| {
        Box::pin(rebuilds::tables_named_like_sqlite(ctx))
    }),
    Scenario::new("steps_on_one_table_in_one_rebuild", |ctx| {
        Box::pin(rebuilds::steps_on_one_table_in_one_rebuild(ctx))
    }),
    Scenario::new("using_and_key_steps_are_rebuilt_alone", |ctx| {
        Box::pin(rebuilds::using_and_key_steps_are_rebuilt_alone(ctx))
    }),
];

/// Runs `ddl`, applies `migration`, checks the catalog after it with `forward`, rolls back
/// and checks everything is as before. Returns the catalog after the apply.
async fn round_trip(
    ctx: &TestContext,
    ddl: &[&str],
    migration: &str,
    forward: impl Fn(&Catalog, &Catalog) -> anyhow::Result<()>,
) -> anyhow::Result<Catalog> {
    ctx.run_sql(ddl).await?;
    let before = ctx.capture().await?;
    ctx.write(1, "change", migration)?;
    ctx.apply().await.context("applying")?;
    let applied = ctx.catalog().await?;
    forward(&before.catalog, &applied).context("after the apply")?;
    ctx.rollback(1).await.context("rolling back")?;
    ctx.assert_restored(&before).await?;
    Ok(applied)
}

/// The engine's text of `object` (`table orders`, `index x`, …).
fn text<'a>(catalog: &'a Catalog, object: &str) -> anyhow::Result<&'a str> {
    catalog
        .get(object)
        .map(String::as_str)
        .with_context(|| format!("{object} is missing: {catalog:#?}"))
}

/// `object`'s text contains each of `needles`.
fn has(catalog: &Catalog, object: &str, needles: &[&str]) -> anyhow::Result<()> {
    let sql = text(catalog, object)?;
    for n in needles {
        ensure!(sql.contains(n), "{object} lacks `{n}`:\n{sql}");
    }
    Ok(())
}

/// `object`'s text contains none of `needles`.
fn lacks(catalog: &Catalog, object: &str, needles: &[&str]) -> anyhow::Result<()> {
    let sql = text(catalog, object)?;
    for n in needles {
        ensure!(!sql.contains(n), "{object} still has `{n}`:\n{sql}");
    }
    Ok(())
}

/// `objects` are described the same in both catalogs.
fn same(before: &Catalog, after: &Catalog, objects: &[&str]) -> anyhow::Result<()> {
    for o in objects {
        ensure!(
            before.get(*o) == after.get(*o),
            "{o} changed:\nbefore: {:?}\nafter:  {:?}",
            before.get(*o),
            after.get(*o)
        );
    }
    Ok(())
}

/// The count a query returns, on the scenario's database.
async fn count(ctx: &TestContext, sql: &str) -> anyhow::Result<i64> {
    ctx.driver
        .query_count(&strata_core::Statement::Sql(sql.to_owned()))
        .await
        .with_context(|| format!("running {sql}"))
}
