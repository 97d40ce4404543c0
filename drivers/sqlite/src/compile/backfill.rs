//! `backfill`: the rows to change are backed up first, then updated in batches by key; the
//! inverse puts the old values back from the backup.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Backfill;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::backup::{keyed_backup, keys_of, pk_join};
use super::{Analyzer, Compiler, RULES};
use crate::sql::{ident, join_on, literal, table as qtable};

/// Rows (aliased `alias`) the backfill changes.
fn predicate(s: &Backfill, alias: &str) -> String {
    let mut parts: Vec<String> = s
        .conditions()
        .iter()
        .map(|(c, v)| match v {
            serde_json::Value::Null => format!("{alias}.{} IS NULL", ident(c)),
            v => format!("{alias}.{} = {}", ident(c), literal(v)),
        })
        .collect();
    let differs: Vec<String> = s
        .set
        .iter()
        .map(|(c, v)| format!("{alias}.{} IS NOT {}", ident(c), literal(v)))
        .collect();
    parts.push(format!("({})", differs.join(" OR ")));
    parts.join(" AND ")
}

/// What the backfill writes: column → SQL value.
fn writes(s: &Backfill) -> Vec<(String, String)> {
    s.set.iter().map(|(c, v)| (c.clone(), literal(v))).collect()
}

impl AnalyzeKind<Backfill> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
        let (writes, predicate) = (writes(s), predicate(s, "c"));
        strata_sql::analyses::backfill(counter, &ctx, s, t, &writes, &predicate).await
    }
}

impl CompileKind<Backfill> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let tbl = qtable(&t.name);
        let set_cols: Vec<String> = s.set.keys().cloned().collect();
        let bak = ctx.backup_name(&t.name, Some("backfill"));
        let mut actions = strata_sql::conflict_checks::<crate::dialect::Lite>(
            &ctx,
            t,
            &writes(s),
            Some(&predicate(s, "c")),
        );
        actions.extend(keyed_backup(
            &ctx,
            &bak,
            t,
            &set_cols,
            Some(&predicate(s, "c")),
            &format!("the rows of {} the backfill changes", t.name),
        ));
        let assignments: Vec<String> = s
            .set
            .iter()
            .map(|(c, v)| format!("{} = {}", ident(c), literal(v)))
            .collect();
        let restore: Vec<String> = set_cols
            .iter()
            .map(|c| format!("{q} = b.{q}", q = ident(c)))
            .collect();
        let keys = keys_of(t);
        actions.push(
        Action::new(
            ctx.step.index,
            ActionKind::Backfill,
            format!("backfill {} ({}) in {}", t.name, set_cols.join(", "), strata_core::batches::describe(s.batch_size, s.batch_ms)),
            Statement::Sql(format!(
                "UPDATE {tbl} SET {} WHERE ({keys}) IN (SELECT {} FROM {tbl} c JOIN {} b ON {} WHERE {} LIMIT {})",
                assignments.join(", "),
                t.primary_key.iter().map(|k| format!("c.{}", ident(k))).collect::<Vec<_>>().join(", "),
                qtable(&bak),
                join_on("c", "b", &t.primary_key),
                predicate(s, "c"),
                strata_core::batches::rows(s.batch_size)
            )),
        )
        .sized_by_time(s.batch_ms)
        .with_inverse(Statement::Sql(format!("UPDATE {tbl} SET {} FROM {} b WHERE {}", restore.join(", "), qtable(&bak), pk_join(t)))),
    );
        Ok(actions)
    }
}

strata_core::golden_test!("backfill");
