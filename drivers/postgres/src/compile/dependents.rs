//! Carrying a column's dependent objects through a step that PostgreSQL refuses while they
//! exist (`change_type`): the analysis reads them ([`crate::dependents`]) and keeps them here
//! for the step's compilation, which drops them before the change and re-creates them after
//! it, in the same transaction. Each half's inverse is the other half, so a rollback brackets
//! the reverse change the same way and re-creates the definitions read before the migration.
//!
//! The analysis is where they are read because compiling is synchronous and sees only the
//! schema model; a step compiled without an analysis (its table is created by the same plan)
//! has no dependents strata knows of, and the server refuses the change if it has any.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strata_core::steps::StepKind;
use strata_core::{Action, ActionKind, Statement, StepContext};

use crate::dependents::Dependents;

/// The dependents each analyzed step found, by (migration version, step index).
#[derive(Debug, Default)]
pub struct Found(Mutex<HashMap<(u64, usize), Arc<Dependents>>>);

impl Found {
    /// Keeps what the analysis of `ctx`'s step found, for its compilation.
    pub fn keep(&self, ctx: &StepContext<'_>, dependents: Dependents) {
        self.0
            .lock()
            .expect("dependents store")
            .insert(key(ctx), Arc::new(dependents));
    }

    /// What the analysis of `ctx`'s step found, if it ran.
    pub fn of(&self, ctx: &StepContext<'_>) -> Option<Arc<Dependents>> {
        self.0
            .lock()
            .expect("dependents store")
            .get(&key(ctx))
            .cloned()
    }
}

/// A count of the objects of the catalogs `classes` (`'pg_rewrite'`, …) that depend on
/// column `column` of `table` (quoted): for apply-time checks, where the plan could not look.
/// CHECK constraints of the table itself never count: PostgreSQL drops them with the column,
/// and the step's restore re-creates them.
pub fn column_users_count(table: &str, column: &str, classes: &[&str]) -> String {
    let classes: Vec<String> = classes.iter().map(|c| format!("'{c}'::regclass")).collect();
    format!(
        "SELECT count(*)::bigint FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
         WHERE d.refobjid = to_regclass({}) AND a.attname = {} AND d.deptype = 'n' AND d.classid IN ({}) \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE d.classid = 'pg_constraint'::regclass \
                           AND k.oid = d.objid AND k.contype = 'c' AND k.conrelid = d.refobjid)",
        crate::sql::string(table),
        crate::sql::string(column),
        classes.join(", ")
    )
}

fn key(ctx: &StepContext<'_>) -> (u64, usize) {
    (ctx.migration.version, ctx.step.index)
}

/// Why definitions read before the migration may not describe the objects when this step
/// runs: an earlier step of the same migration renames something they name, or is a `sql`
/// step strata cannot see into.
pub fn changed_earlier(ctx: &StepContext<'_>) -> Option<String> {
    ctx.migration
        .steps
        .iter()
        .filter(|s| s.index < ctx.step.index)
        .find(|s| {
            matches!(
                s.kind,
                StepKind::RenameTable(_) | StepKind::RenameColumn(_) | StepKind::Sql(_)
            )
        })
        .map(|s| format!("step {} ({})", s.index, s.op()))
}

/// The two actions around the change of `what` (`t.c`): drop the dependents, and re-create
/// them.
pub fn bracket(ctx: &StepContext<'_>, what: &str, d: &Dependents) -> (Action, Action) {
    let step = ctx.step.index;
    let objects = d.describe();
    let drop = Action::new(
        step,
        ActionKind::Ddl,
        format!("drop {objects}, which depend on {what} (re-created after the change)"),
        Statement::Sql(d.drop_sql()),
    )
    .with_inverse(Statement::Sql(d.create_sql()));
    let create = Action::new(
        step,
        ActionKind::Ddl,
        format!(
            "re-create {objects} as they were read (definition, options, owner, grants, comments)"
        ),
        Statement::Sql(d.create_sql()),
    )
    .with_inverse(Statement::Sql(d.drop_sql()));
    (drop, create)
}
