//! The scenarios, one concern per file. Each is `pub async fn name(ctx: &TestContext)`.

mod change_type;
mod concurrency;
mod drift;
mod escape_hatches;
mod fixture;
mod foreign_keys;
mod identifiers;
mod indexes;
mod interrupted;
mod nullability;
mod planning;
mod removals;
mod round_trip;
mod schema_steps;
mod schemas;

use std::future::Future;
use std::pin::Pin;

use strata_core::Capabilities;

use crate::context::TestContext;

pub use fixture::{
    ensure_one_table_run, setup, ACCEPTANCE, ONE_TABLE_RUN, ONE_TABLE_RUN_ROWS, SETUP,
};

/// A scenario's future.
pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

/// One scenario: its name, the capability it needs (if any) and its body.
pub struct Scenario {
    /// Name, shown as `<driver>::<name>`.
    pub name: &'static str,
    /// `Some(capability)` when the driver lacks what the scenario needs.
    pub skip_unless: fn(&Capabilities) -> Option<&'static str>,
    /// The body.
    pub run: for<'a> fn(&'a TestContext) -> ScenarioFuture<'a>,
}

fn always(_: &Capabilities) -> Option<&'static str> {
    None
}

impl Scenario {
    /// A scenario every driver that has it runs (a driver's own scenarios, see
    /// [`crate::run_with`]):
    ///
    /// ```ignore
    /// static OWN: &[Scenario] = &[Scenario::new("implicit_index", |ctx| Box::pin(implicit_index(ctx)))];
    /// ```
    pub const fn new(
        name: &'static str,
        run: for<'a> fn(&'a TestContext) -> ScenarioFuture<'a>,
    ) -> Scenario {
        Scenario {
            name,
            skip_unless: always,
            run,
        }
    }
}

fn schemas(c: &Capabilities) -> Option<&'static str> {
    (!c.schemas).then_some("schemas")
}

fn online_index(c: &Capabilities) -> Option<&'static str> {
    (!c.online_index).then_some("online_index")
}

macro_rules! scenarios {
    ($($name:ident => $path:path $(, if $gate:ident)?;)*) => {
        /// Every scenario, in the order they are listed.
        pub static SCENARIOS: &[Scenario] = &[
            $(Scenario {
                name: stringify!($name),
                skip_unless: scenarios!(@gate $($gate)?),
                run: |ctx| Box::pin($path(ctx)),
            },)*
        ];
    };
    (@gate) => { always };
    (@gate $gate:ident) => { $gate };
}

scenarios! {
    create_table_all_types => schema_steps::create_table_all_types;
    add_rename_and_default_steps => schema_steps::add_rename_and_default_steps;
    drop_table_backs_up_and_restores => removals::drop_table;
    drop_column_backs_up_and_restores => removals::drop_column;
    backups_whose_names_run_together_stay_apart => removals::backup_names_stay_apart;
    change_type_refuses_incompatible_values => change_type::refuses_incompatible;
    change_type_set_null_round_trip => change_type::set_null;
    change_type_use_default_round_trip => change_type::use_default;
    change_type_compatible_values_convert => change_type::compatible_values_convert;
    change_type_rounding_texts_are_incompatible => change_type::rounding_texts_are_incompatible;
    set_not_null_fill_round_trip => nullability::set_not_null_fill;
    set_not_null_without_fill_refuses => nullability::set_not_null_refuses;
    drop_not_null_round_trip => nullability::drop_not_null;
    foreign_key_orphans_fail => foreign_keys::orphans_fail;
    foreign_key_orphans_delete => foreign_keys::orphans_delete;
    foreign_key_orphans_set_null_replacing => foreign_keys::orphans_set_null_replacing;
    foreign_key_orphans_placeholder => foreign_keys::orphans_placeholder;
    placeholders_reference_nothing => foreign_keys::placeholders_reference_nothing;
    placeholders_pointing_nowhere_are_refused => foreign_keys::placeholders_pointing_nowhere_are_refused;
    drop_foreign_key_round_trip => foreign_keys::drop_foreign_key;
    add_index_online => indexes::add_index_online, if online_index;
    unique_index_refuses_duplicates => indexes::unique_refuses_duplicates;
    add_unique_and_drop_index => indexes::add_unique_and_drop_index;
    backfill_in_batches => escape_hatches::backfill;
    backfill_batches_sized_by_time => escape_hatches::backfill_batches_sized_by_time;
    sql_and_assert_steps => escape_hatches::sql_and_assert;
    full_round_trip => round_trip::full_round_trip;
    concurrent_runners_apply_once => concurrency::concurrent_runners;
    drift_is_refused => drift::drift_is_refused;
    interrupted_at_every_action => interrupted::interrupted_at_every_action;
    hostile_identifiers_are_quoted => identifiers::hostile_identifiers;
    long_generated_names_do_not_collide => identifiers::long_generated_names;
    schema_qualified_names => schemas::schema_qualified_names, if schemas;
    steps_copy_only_the_column_they_change => planning::steps_copy_only_the_column_they_change;
    planning_lets_other_tasks_run => planning::planning_lets_other_tasks_run;
}

/// Asserts `result` is a refusal with a typed reason (whatever its kind) whose message
/// contains `needle`: for an engine's own tests, which check its wording. The portable
/// scenarios use [`expect_refused`], which names the kind.
pub fn expect_refusal_mentioning<T: std::fmt::Debug>(
    result: strata_core::Result<T>,
    needle: &str,
) -> anyhow::Result<()> {
    let kind = match &result {
        Err(e) => e.refusal_kinds().first().copied(),
        Ok(_) => None,
    };
    match kind {
        Some(kind) => expect_refused(result, kind, needle),
        None => anyhow::bail!("expected a typed refusal mentioning {needle:?}, got {result:?}"),
    }
}

/// Asserts `result` is a refusal for a reason of `kind` whose message contains `needle` (the
/// counts and names the user reads).
pub fn expect_refused<T: std::fmt::Debug>(
    result: strata_core::Result<T>,
    kind: strata_core::RefusalKind,
    needle: &str,
) -> anyhow::Result<()> {
    match result {
        Err(e) if e.exit_code() == 3 => {
            let kinds = e.refusal_kinds();
            let msg = format!(
                "{e}: {:?}",
                std::error::Error::source(&e).map(|s| s.to_string())
            );
            anyhow::ensure!(
                kinds.contains(&kind),
                "refusal is not of kind {kind} but {kinds:?}: {msg}"
            );
            anyhow::ensure!(
                msg.contains(needle),
                "refusal does not mention {needle:?}: {msg}"
            );
            Ok(())
        }
        other => anyhow::bail!("expected a refusal ({kind}) mentioning {needle:?}, got {other:?}"),
    }
}
