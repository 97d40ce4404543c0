//! Steps → actions, one file per step kind. Each file also holds the step's pre-flight
//! analysis (the counts taken on the live data before anything runs): the checks that refuse a
//! step are written once and used by both.

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_unique;
mod assert;
mod backfill;
mod change_type;
mod conversion;
pub mod convertible;
mod create_table;
mod defaults;
mod dependents;
mod drop_column;
mod drop_default;
mod drop_foreign_key;
mod drop_index;
mod drop_not_null;
mod drop_table;
#[cfg(test)]
mod golden;
mod one_alter;
mod recreate;
mod rename_column;
mod rename_table;
mod set_default;
mod set_not_null;
mod sql;

use async_trait::async_trait;
use strata_core::driver::{analyze_step, compile_step, StepCompiler};
use strata_core::preflight::{Checked, Rules};
use strata_core::schema::Snapshot;
use strata_core::schema::Table;
use strata_core::steps::Step;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_sql::refuse_conflicts;

use crate::connection::Session;
use crate::sql::{ident, idents, table as qtable};
use crate::PostgresDriver;
pub(crate) use conversion::retyped;
pub use dependents::Found;

/// The fused counter over the driver's session.
pub type Counter<'a> = strata_core::counter::Counter<'a, Session>;

/// What PostgreSQL's analysis of a step reads: the counter (recording, then fused), and where
/// it keeps the dependent objects it finds for the compilation.
pub struct Analyzer<'a> {
    counter: &'a Counter<'a>,
    found: &'a Found,
    casts: convertible::Casts,
}

/// What PostgreSQL's compilation of a step reads: the dependent objects its analysis found.
pub struct Compiler<'a> {
    found: &'a Found,
    casts: convertible::Casts,
}

// The kinds this driver analyzes on the schema alone (core's `SchemaAnalysis`).
strata_core::analyze_on_schema!(
    Analyzer<'_>,
    RULES,
    [
        CreateTable,
        DropTable,
        DropIndex,
        DropForeignKey,
        DropNotNull
    ]
);

#[async_trait]
impl StepCompiler for PostgresDriver {
    /// Analyzes steps on the live data, the counts on each table fused into one scan; keeps the
    /// dependent objects found in `self.found` for the compilation.
    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        let found = &self.found;
        let casts = self.casts;
        strata_core::counter::analyze_fused(&self.session, steps, |counter, ctx| {
            Box::pin(async move {
                analyze_step(
                    &Analyzer {
                        counter,
                        found,
                        casts,
                    },
                    ctx,
                )
                .await
            })
        })
        .await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        compile_step(
            &Compiler {
                found: &self.found,
                casts: self.casts,
            },
            ctx,
        )
    }

    /// A drop, type changes and NOT NULLs on one table in one `ALTER` with one backup copy
    /// ([`one_alter`]).
    fn compile_run(&self, run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
        one_alter::compile(
            &Compiler {
                found: &self.found,
                casts: self.casts,
            },
            run,
        )
    }

    fn simulate(&self, step: &Step, before: &Snapshot, after: &mut Snapshot) {
        crate::simulate::simulate(step, before, after)
    }
}

/// What PostgreSQL allows in names.
pub const RULES: Rules = Rules {
    engine: "PostgreSQL",
    max_name: 63,
    name_in_bytes: true,
    schemas: true,
    row_ids: false,
    forbidden: strata_core::preflight::any_name,
};

/// The count and content hash of the rows of `from` (a table or a parenthesized query): the
/// sum (a `numeric`, which does not overflow) of a 64-bit hash of each row's text, independent
/// of the order rows are read in, computed in the scan without sorting. The backup is made by
/// the same `SELECT`, so its columns come in the same order with the same types.
fn fingerprint(from: &str) -> String {
    format!(
        "(SELECT count(*)::bigint AS n, coalesce(sum(hashtextextended(f::text, 0)), 0) AS h FROM {from} f)"
    )
}

/// A backup of `select` into `backup`, then its verification (row count and content hash
/// against the source). The step's table is locked against writes first, for the rest of the
/// transaction. The backup's inverse drops it, so rollback leaves nothing behind.
fn backup(
    ctx: &StepContext<'_>,
    backup: &strata_core::QualifiedName,
    select: &str,
    what: &str,
) -> Vec<Action> {
    let step = ctx.step.index;
    let bak = qtable(backup);
    // Writers wait (readers do not) from the backup until the transaction ends, so no row can
    // change between the copy and the statement that destroys the original.
    let lock = ctx
        .step
        .kind
        .spec()
        .table()
        .map(|t| format!("LOCK TABLE {} IN EXCLUSIVE MODE;\n", qtable(t)))
        .unwrap_or_default();
    vec![
        Action::new(step, ActionKind::Backup, format!("back up {what} to {backup}"), Statement::Sql(format!("{lock}CREATE TABLE {bak} AS {select}")))
            .with_inverse(Statement::Sql(format!("DROP TABLE IF EXISTS {bak}")))
            .creates_backup(backup.to_string()),
        Action::check(
            step,
            ActionKind::Verify,
            format!("verify backup {backup} (rows and content hash)"),
            Statement::Sql(format!(
                "SELECT CASE WHEN a.n = b.n AND a.h = b.h THEN 0 ELSE 1 END::bigint FROM {} a, {} b",
                fingerprint(&format!("({select})")),
                fingerprint(&bak)
            )),
            0,
            format!("the backup {backup} does not match {what}"),
        ),
    ]
}

/// `SELECT "pk1", "pk2", <extra> FROM t [WHERE …]`.
fn select_keyed(t: &Table, extra: &[String], filter: Option<&str>) -> String {
    let mut cols: Vec<String> = t.primary_key.clone();
    cols.extend(extra.iter().filter(|c| !t.primary_key.contains(c)).cloned());
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    format!(
        "SELECT {} FROM {} c{filter}",
        idents(&cols),
        qtable(&t.name)
    )
}

/// Foreign keys of other tables that reference one column.
async fn foreign_keys_on(session: &Session, t: &Table, column: &str) -> Result<Vec<String>> {
    let rel = crate::sql::string(&qtable(&t.name));
    let col = crate::sql::string(column);
    let sql = format!(
        "SELECT DISTINCT 'foreign key ' || c.conname || ' on ' || c.conrelid::regclass::text FROM pg_constraint c \
           JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = ANY(c.confkey) \
         WHERE c.contype = 'f' AND c.confrelid = {rel}::regclass AND a.attname = {col} AND c.conrelid <> c.confrelid"
    );
    Ok(session.texts(&sql).await?.into_iter().flatten().collect())
}

/// How this driver quotes names, for core's shared SQL.
const QUOTING: strata_core::writes::Quoting = strata_core::writes::Quoting {
    ident,
    table: qtable,
};

/// The CHECK constraints of `t` with their bodies as `pg_get_constraintdef` writes them after
/// `CHECK ` (`(qty > 0)`, ` NOT VALID` included).
fn check_bodies(t: &Table) -> impl Iterator<Item = (&strata_core::schema::Constraint, &str)> {
    t.checks()
        .filter_map(|k| k.definition.strip_prefix("CHECK ").map(|body| (k, body)))
}

impl strata_sql::WriteChecks for crate::dialect::Pg {
    /// Each CHECK constraint of `t` that names a written column, evaluated with the written
    /// values.
    fn broken_checks(
        t: &Table,
        writes: &[(String, String)],
        filter: Option<&str>,
    ) -> Vec<strata_core::writes::Conflict> {
        let mut out = Vec::new();
        for (k, body) in check_bodies(t) {
            let body = body.trim_end_matches(" NOT VALID");
            let mut expr = body.to_owned();
            for (column, value) in writes {
                expr = crate::sql::replace_column(&expr, column, &format!("({value})"));
            }
            if expr != body {
                let what = format!("CHECK constraint {}", k.name);
                out.push(strata_sql::conflicts::check_conflict::<Self>(
                    t, &what, body, &expr, writes, filter,
                ));
            }
        }
        out
    }
}
