//! `backfill` on PostgreSQL: the rows to change (matching `where`, not already holding the
//! `set` values) are backed up with their old values; the runner then updates them in batches
//! of `batch_size`, touching only backed-up rows. Rollback restores the old values.

use crate::dialect::Pg;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Backfill;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_sql::actions::backfilled_check;

use super::{backup, select_keyed, Analyzer, Compiler};
use crate::sql::{ident, join_on, literal, table as qtable};

/// Rows (aliased `alias`) the backfill changes.
fn predicate(t: &strata_core::schema::Table, s: &Backfill, alias: &str) -> String {
    let native = |c: &str| t.column(c).expect("checked").native_type.clone();
    let mut parts: Vec<String> = s
        .conditions()
        .iter()
        .map(|(c, v)| match v {
            serde_json::Value::Null => format!("{alias}.{} IS NULL", ident(c)),
            v => format!("{alias}.{} = {}", ident(c), literal(v, &native(c))),
        })
        .collect();
    let differs: Vec<String> = s
        .set
        .iter()
        .map(|(c, v)| {
            format!(
                "{alias}.{} IS DISTINCT FROM {}",
                ident(c),
                literal(v, &native(c))
            )
        })
        .collect();
    parts.push(format!("({})", differs.join(" OR ")));
    parts.join(" AND ")
}

/// What the backfill writes: column → SQL value.
fn writes(t: &strata_core::schema::Table, s: &Backfill) -> Vec<(String, String)> {
    s.set
        .iter()
        .map(|(c, v)| {
            let native = &t.column(c).expect("checked").native_type;
            (c.clone(), literal(v, native))
        })
        .collect()
}

impl AnalyzeKind<Backfill> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        let (writes, predicate) = (writes(t, s), predicate(t, s, "c"));
        strata_sql::analyses::backfill(counter, &ctx, s, t, &writes, &predicate).await
    }
}

impl CompileKind<Backfill> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let tbl = qtable(&t.name);
        let set_cols: Vec<String> = s.set.keys().cloned().collect();
        let bak = ctx.backup_name(&t.name, Some("backfill"));
        let mut actions = strata_sql::conflict_checks::<crate::dialect::Pg>(
            &ctx,
            t,
            &writes(t, s),
            Some(&predicate(t, s, "c")),
        );
        actions.extend(backup(
            &ctx,
            &bak,
            &select_keyed(t, &set_cols, Some(&predicate(t, s, "c"))),
            &format!("the rows of {} the backfill changes", t.name),
        ));
        let assignments: Vec<String> = s
            .set
            .iter()
            .map(|(c, v)| {
                format!(
                    "{} = {}",
                    ident(c),
                    literal(v, &t.column(c).expect("checked").native_type)
                )
            })
            .collect();
        let restore: Vec<String> = set_cols
            .iter()
            .map(|c| format!("{q} = b.{q}", q = ident(c)))
            .collect();
        let batch = format!(
        "UPDATE {tbl} t SET {} FROM (SELECT {} FROM {tbl} c JOIN {} b ON {} WHERE {} LIMIT {}) s WHERE {}",
        assignments.join(", "),
        t.primary_key.iter().map(|k| format!("c.{}", ident(k))).collect::<Vec<_>>().join(", "),
        qtable(&bak),
        join_on("c", "b", &t.primary_key),
        predicate(t, s, "c"),
        strata_core::batches::rows(s.batch_size),
        join_on("t", "s", &t.primary_key)
    );
        actions.push(
            Action::new(
                ctx.step.index,
                ActionKind::Backfill,
                format!(
                    "backfill {} ({}) in {}",
                    t.name,
                    set_cols.join(", "),
                    strata_core::batches::describe(s.batch_size, s.batch_ms)
                ),
                Statement::Sql(batch),
            )
            .sized_by_time(s.batch_ms)
            .with_inverse(Statement::Sql(format!(
                "UPDATE {tbl} t SET {} FROM {} b WHERE {}",
                restore.join(", "),
                qtable(&bak),
                join_on("t", "b", &t.primary_key)
            ))),
        );
        let verify = backfilled_check::<Pg>(&ctx, t, &bak, &predicate(t, s, "c"));
        actions.push(verify);
        Ok(actions)
    }
}

strata_core::golden_test!("backfill");
