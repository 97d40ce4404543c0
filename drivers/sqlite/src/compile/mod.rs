//! Steps → statements on SQLite. `ALTER TABLE` does what it can (add, rename columns, rename
//! tables); the rest is a rebuild from the table's own `CREATE TABLE` text (see
//! `crate::rebuild` and `table_text`), whose inverse rebuilds the table from the exact text it
//! had, reading restored values from the backup.

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_unique;
mod assert;
mod autoincrement;
mod backfill;
mod backup;
mod change_type;
mod create_table;
mod drop_column;
mod drop_default;
mod drop_foreign_key;
mod drop_index;
mod drop_not_null;
mod drop_table;
#[cfg(test)]
mod golden;
mod indexes;
mod one_rebuild;
mod rename_column;
mod rename_table;
mod reshape;
mod set_default;
mod set_not_null;
mod sql;
mod table_text;
mod uses;
mod writes;

use async_trait::async_trait;
use strata_core::driver::{analyze_step, compile_step, StepCompiler};
use strata_core::preflight::Rules;
use strata_core::schema::Snapshot;
use strata_core::schema::Table;
use strata_core::steps::Step;
use strata_core::writes::Conflict;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_sql::refuse_conflicts;

use crate::connection::Session;
use crate::SqliteDriver;
pub(crate) use add_column::added_column;
pub(crate) use add_foreign_key::{foreign_key_sql, with_foreign_key};
pub(crate) use change_type::changed_type;
pub(crate) use create_table::create_sql;
pub(crate) use indexes::index_sql;
pub(crate) use reshape::reshaped;

/// What SQLite allows in names.
pub const RULES: Rules = Rules {
    engine: "SQLite",
    max_name: 1000,
    name_in_bytes: true,
    schemas: false,
    row_ids: false,
    forbidden: strata_core::preflight::any_name,
};

/// The fused counter over the driver's session.
pub type Counter<'a> = strata_core::counter::Counter<'a, Session>;

/// What SQLite's analysis of a step reads: the counter, recording and then fused.
pub struct Analyzer<'a> {
    counter: &'a Counter<'a>,
}

/// SQLite's compilation of a step, which reads nothing beyond the step and its schema.
pub struct Compiler;

#[async_trait]
impl StepCompiler for SqliteDriver {
    /// Analyzes steps on the live data, the counts on each table fused into one scan.
    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        strata_core::counter::analyze_fused(&self.session, steps, |counter, ctx| {
            Box::pin(async move { analyze_step(&Analyzer { counter }, ctx).await })
        })
        .await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        compile_step(&Compiler, ctx)
    }

    fn compile_run(&self, run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
        one_rebuild::compile(run)
    }

    fn simulate(&self, step: &Step, _before: &Snapshot, after: &mut Snapshot) {
        crate::simulate::simulate(step, after)
    }
}

// The kinds this driver analyzes on the schema alone (core's `SchemaAnalysis`).
strata_core::analyze_on_schema!(Analyzer<'_>, RULES, [CreateTable, DropTable, DropIndex]);

/// A check that no foreign key is violated (SQLite checks them only on demand here).
fn foreign_key_check(ctx: &StepContext<'_>, t: &Table) -> Action {
    Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!("foreign keys of {} hold (pragma_foreign_key_check)", t.name),
        Statement::Sql(format!(
            "SELECT COUNT(*) FROM pragma_foreign_key_check({})",
            crate::sql::string(&t.name.name)
        )),
        0,
        format!("rows of {} violate a foreign key", t.name),
    )
}

/// How this driver quotes names, for core's shared SQL.
const QUOTING: strata_core::writes::Quoting = strata_core::writes::Quoting {
    ident: crate::sql::ident,
    table: crate::sql::table,
};

impl strata_sql::WriteChecks for crate::dialect::Lite {
    /// The CHECKs of `t`'s `CREATE TABLE` text that name a written column (see
    /// `writes::broken_checks`).
    fn broken_checks(
        t: &Table,
        writes: &[(String, String)],
        filter: Option<&str>,
    ) -> Vec<Conflict> {
        writes::broken_checks(t, writes, filter.unwrap_or("1"))
    }
}
