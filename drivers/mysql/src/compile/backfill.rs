//! `backfill` on MySQL: the rows to change are backed up with their old values (the backup's
//! inverse restores them); the runner updates them in batches, touching only backed-up rows.

use strata_core::steps::Backfill;
use strata_core::{
    Action, ActionKind, Analysis, Finding, FindingKind, Result, Statement, StepContext,
};

use super::{backup, refused, select_keyed, sized, Checked, Counter};
use strata_core::schema::Table;

use crate::sql::{ident, idents, join_on, table as qtable, typed_literal};

fn check<'a>(ctx: &StepContext<'a>, s: &Backfill) -> Checked<&'a strata_core::schema::Table> {
    strata_core::preflight::backfill(ctx, s, &super::RULES)
}

/// Rows (aliased `alias`, or unqualified when empty) the backfill changes.
fn predicate(t: &Table, s: &Backfill, alias: &str) -> String {
    let col = |c: &str| {
        if alias.is_empty() {
            ident(c)
        } else {
            format!("{alias}.{}", ident(c))
        }
    };
    let mut parts: Vec<String> = s
        .conditions()
        .iter()
        .map(|(c, v)| match v {
            serde_json::Value::Null => format!("{} IS NULL", col(c)),
            v => format!("{} = {}", col(c), value_for(t, c, v)),
        })
        .collect();
    let differs: Vec<String> = s
        .set
        .iter()
        .map(|(c, v)| format!("NOT ({} <=> {})", col(c), value_for(t, c, v)))
        .collect();
    parts.push(format!("({})", differs.join(" OR ")));
    parts.join(" AND ")
}

/// `v` as a value of column `c` of `t`.
fn value_for(t: &Table, c: &str, v: &serde_json::Value) -> String {
    typed_literal(v, t.column(c).and_then(|x| x.portable))
}

/// What the backfill writes: column → SQL value.
fn writes(t: &Table, s: &Backfill) -> Vec<(String, String)> {
    s.set
        .iter()
        .map(|(c, v)| (c.clone(), value_for(t, c, v)))
        .collect()
}

pub async fn analyze(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &Backfill,
) -> Result<Analysis> {
    let t = match check(&ctx, s) {
        Err(m) => return Ok(refused(m)),
        Ok(t) => t,
    };
    let n = counter.count(t, &predicate(t, s, "c")).await?;
    let mut a = sized(t);
    super::refuse_conflicts(
        counter,
        &ctx,
        t,
        &writes(t, s),
        Some(&predicate(t, s, "c")),
        &mut a,
    )
    .await?;
    a.findings.push(Finding {
        kind: FindingKind::RowsChanged,
        count: n,
        examples: vec![],
        handling: format!(
            "updated in batches of {}; the old values are backed up and restored by rollback",
            s.batch_size
        ),
        blocking: None,
    });
    Ok(a)
}

pub fn compile(ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
    let t = check(&ctx, s).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let set_cols: Vec<String> = s.set.keys().cloned().collect();
    let bak = ctx.backup_name(&t.name, Some("backfill"));
    let restore: Vec<String> = set_cols
        .iter()
        .map(|c| format!("t.{q} = b.{q}", q = ident(c)))
        .collect();
    let (select, columns) = select_keyed(t, &set_cols, Some(&predicate(t, s, "c")));
    let mut actions = super::conflict_checks(&ctx, t, &writes(t, s), Some(&predicate(t, s, "c")));
    actions.extend(backup(
        &ctx,
        &bak,
        &select,
        &columns,
        &format!("the rows of {} the backfill changes", t.name),
        format!(
            "UPDATE {tbl} t JOIN {} b ON {} SET {}",
            qtable(&bak),
            join_on("t", "b", &t.primary_key),
            restore.join(", ")
        ),
    ));
    let assignments: Vec<String> = s
        .set
        .iter()
        .map(|(c, v)| format!("{} = {}", ident(c), value_for(t, c, v)))
        .collect();
    let pk = idents(&t.primary_key);
    actions.push(
        Action::new(
            ctx.step.index,
            ActionKind::Backfill,
            format!(
                "backfill {} ({}) in batches of {}",
                t.name,
                set_cols.join(", "),
                s.batch_size
            ),
            Statement::Sql(format!(
                "UPDATE {tbl} SET {} WHERE {} AND ({pk}) IN (SELECT {pk} FROM {}) LIMIT {}",
                assignments.join(", "),
                predicate(t, s, ""),
                qtable(&bak),
                s.batch_size
            )),
        )
        .restored_by_backup(),
    );
    actions.push(Action::check(
        ctx.step.index,
        ActionKind::Verify,
        format!("verify every backed-up row of {} was backfilled", t.name),
        Statement::Sql(format!(
            "SELECT COUNT(*) FROM {tbl} c JOIN {} b ON {} WHERE {}",
            qtable(&bak),
            join_on("c", "b", &t.primary_key),
            predicate(t, s, "c")
        )),
        0,
        format!("rows of {} still match the backfill's filter", t.name),
    ));
    Ok(actions)
}
