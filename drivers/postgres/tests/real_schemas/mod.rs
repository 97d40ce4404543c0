//! PostgreSQL scenarios on schemas built with the engine's own DDL, the way other tools and
//! people write it, not through strata: views on views, materialized views with indexes,
//! rules, row-level security policies, triggers, grants and comments, in more than one schema.
//! Each round trip compares the engine's whole catalog before and after the rollback.

mod carried;
mod dropped;
mod found;
mod kept;
mod lock_wait;
mod one_alter;
mod refused;
mod support;

use strata_conformance::Scenario;

/// The scenarios, run by the conformance harness after the portable ones.
pub static SCENARIOS: &[Scenario] = &[
    Scenario::new(
        "change_type_carries_views_matviews_grants_and_comments",
        |c| Box::pin(carried::views_matviews_grants_and_comments(c)),
    ),
    Scenario::new(
        "change_type_carries_options_rules_policies_and_triggers",
        |c| Box::pin(carried::options_rules_policies_and_triggers(c)),
    ),
    Scenario::new(
        "change_type_a_view_cannot_follow_fails_and_changes_nothing",
        |c| Box::pin(carried::a_view_the_new_type_breaks_fails_whole(c)),
    ),
    Scenario::new(
        "change_type_refuses_function_bodies_extensions_generated",
        |c| Box::pin(refused::function_bodies_and_generated_columns(c)),
    ),
    Scenario::new(
        "change_type_after_a_rename_in_the_same_migration_refused",
        |c| Box::pin(refused::after_a_rename_in_the_same_migration(c)),
    ),
    Scenario::new(
        "drop_column_a_view_on_a_view_uses_is_refused_naming_both",
        |c| Box::pin(refused::drop_column_under_a_view_on_a_view(c)),
    ),
    Scenario::new("rename_column_under_views_round_trips", |c| {
        Box::pin(kept::rename_column_under_views(c))
    }),
    Scenario::new("drop_column_no_view_uses_round_trips", |c| {
        Box::pin(kept::drop_column_no_view_uses(c))
    }),
    Scenario::new("drop_column_with_checks_round_trips", |c| {
        Box::pin(found::drop_column_with_checks_round_trips(c))
    }),
    Scenario::new(
        "writes_into_a_key_on_a_unique_column_check_that_column",
        |c| Box::pin(found::writes_into_a_key_on_a_unique_column(c)),
    ),
    Scenario::new("drop_table_keeps_everything_it_had", |c| {
        Box::pin(found::drop_table_keeps_everything_it_had(c))
    }),
    Scenario::new("change_type_converts_the_default", |c| {
        Box::pin(found::change_type_converts_the_default(c))
    }),
    Scenario::new("writes_that_break_constraints_are_refused_in_plan", |c| {
        Box::pin(found::writes_that_break_constraints_are_refused(c))
    }),
    Scenario::new("steps_on_one_table_share_one_alter", |c| {
        Box::pin(one_alter::steps_on_one_table_share_one_alter(c))
    }),
    Scenario::new("a_step_one_alter_cannot_take_ends_the_run", |c| {
        Box::pin(one_alter::a_step_it_cannot_take_ends_the_run(c))
    }),
    Scenario::new(
        "drop_column_serial_identity_expression_indexes_round_trip",
        |c| Box::pin(dropped::serial_identity_and_expression_indexes_come_back(c)),
    ),
    Scenario::new("readers_are_not_queued_behind_a_waiting_alter", |c| {
        Box::pin(lock_wait::readers_are_not_queued_behind_a_waiting_alter(c))
    }),
    Scenario::new(
        "a_lock_held_past_the_timeout_fails_naming_the_attempts",
        |c| Box::pin(lock_wait::a_lock_held_past_the_timeout_fails_naming_the_attempts(c)),
    ),
    Scenario::new("one_alter_takes_no_two_columns_one_index_names", |c| {
        Box::pin(one_alter::two_columns_one_index_names_are_not_together(c))
    }),
];
