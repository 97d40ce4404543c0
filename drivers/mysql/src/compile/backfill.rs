//! `backfill` on MySQL: the rows to change are backed up with their old values (the backup's
//! inverse restores them); the runner updates them in batches, touching only backed-up rows.

use crate::dialect::My;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::Backfill;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_sql::actions::backfilled_check;

use super::{backup, keyed_backup, select_keyed, Analyzer, Compiler};
use crate::sql::{ident, idents, join_on, table as qtable, typed_literal};

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

/// `SET` assignments of what the backfill writes, each column after `prefix` (an alias and
/// a dot, or nothing).
fn assignments(t: &Table, s: &Backfill, prefix: &str) -> Vec<String> {
    writes(t, s)
        .into_iter()
        .map(|(c, v)| format!("{prefix}{} = {v}", ident(&c)))
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

/// The session variables of a keyset walk over a backup's key (`k1, k2, …`): `@strata_from_i`
/// is the last key done (NULL before the first batch), `@strata_to_i` the last key of the
/// batch running.
struct Keyset<'a> {
    key: &'a [String],
}

impl<'a> Keyset<'a> {
    fn new(key: &'a [String]) -> Self {
        Keyset { key }
    }

    fn vars(&self, which: &str) -> Vec<String> {
        (1..=self.key.len())
            .map(|i| format!("@strata_{which}_{i}"))
            .collect()
    }

    fn columns(&self, alias: &str) -> Vec<String> {
        self.key
            .iter()
            .map(|k| format!("{alias}.{}", ident(k)))
            .collect()
    }

    /// `(columns) <op> (vars)` in key order, spelled out so the server reads it as a range.
    fn compare(&self, alias: &str, vars: &[String], strict: &str, last: &str) -> String {
        let cols = self.columns(alias);
        let mut terms = Vec::new();
        for j in 0..cols.len() {
            let mut parts: Vec<String> = (0..j)
                .map(|i| format!("{} = {}", cols[i], vars[i]))
                .collect();
            let op = if j + 1 == cols.len() { last } else { strict };
            parts.push(format!("{} {op} {}", cols[j], vars[j]));
            terms.push(parts.join(" AND "));
        }
        format!("({})", terms.join(" OR "))
    }

    /// Keys after the last one done (every key before the first batch).
    fn after_start(&self, alias: &str) -> String {
        let from = self.vars("from");
        format!(
            "({} IS NULL OR {})",
            from[0],
            self.compare(alias, &from, ">", ">")
        )
    }

    /// Keys up to the batch's last.
    fn up_to_end(&self, alias: &str) -> String {
        self.compare(alias, &self.vars("to"), "<", "<=")
    }

    /// Sets `@strata_to_*` to the last of the next `n` keys of `bak`; NULL when none remain.
    fn batch_end(&self, bak: &str, n: u32) -> String {
        let to = self.vars("to");
        let names: Vec<String> = self.key.iter().map(|k| ident(k)).collect();
        let inner: Vec<String> = self.columns("b");
        let desc: Vec<String> = names.iter().map(|c| format!("x.{c} DESC")).collect();
        format!(
            "SET {}; SELECT {} INTO {} FROM (SELECT {} FROM {bak} b WHERE {} ORDER BY {} LIMIT {}) x ORDER BY {} LIMIT 1",
            to.iter().map(|v| format!("{v} = NULL")).collect::<Vec<_>>().join(", "),
            names.iter().map(|c| format!("x.{c}")).collect::<Vec<_>>().join(", "),
            to.join(", "),
            inner.join(", "),
            self.after_start("b"),
            inner.join(", "),
            strata_core::batches::rows(n),
            desc.join(", ")
        )
    }

    /// The batch is done: the walk goes on after its last key (NULL once none remained).
    fn advance(&self) -> String {
        let pairs: Vec<String> = self
            .vars("from")
            .iter()
            .zip(self.vars("to"))
            .map(|(f, t)| format!("{f} = {t}"))
            .collect();
        format!("SET {}", pairs.join(", "))
    }

    /// Before the first batch.
    fn reset(&self) -> String {
        let vars: Vec<String> = self
            .vars("from")
            .iter()
            .map(|v| format!("{v} = NULL"))
            .collect();
        format!("SET {}", vars.join(", "))
    }

    /// Non-zero while keys remain after the last batch.
    fn more(&self) -> String {
        format!("SELECT {} IS NOT NULL", self.vars("from")[0])
    }
}

impl CompileKind<Backfill> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let tbl = qtable(&t.name);
        let set_cols: Vec<String> = s.set.keys().cloned().collect();
        let bak = ctx.backup_name(&t.name, Some("backfill"));
        let restore: Vec<String> = set_cols
            .iter()
            .map(|c| format!("t.{q} = b.{q}", q = ident(c)))
            .collect();
        let (select, columns) = select_keyed(t, &set_cols, Some(&predicate(t, s, "c")));
        let mut actions = strata_sql::conflict_checks::<crate::dialect::My>(
            &ctx,
            t,
            &writes(t, s),
            Some(&predicate(t, s, "c")),
        );
        let restore = format!(
            "UPDATE {tbl} t JOIN {} b ON {} SET {}",
            qtable(&bak),
            join_on("t", "b", &t.primary_key),
            restore.join(", ")
        );
        let what = format!("the rows of {} the backfill changes", t.name);
        let bak_sql = qtable(&bak);
        // A key of TEXT or BLOB columns is a prefix key the backup cannot repeat as its own.
        let keyable = t.primary_key.iter().all(|k| {
            t.column(k).is_some_and(|c| {
                let ty = c.native_type.to_ascii_lowercase();
                !["text", "blob", "json"].iter().any(|x| ty.contains(x))
            })
        });
        let (batch, more) = if keyable {
            // The batches walk the backup in key order from where they left off (its primary
            // key makes each a range read), so none reads again what an earlier batch did.
            let keys = Keyset::new(&t.primary_key);
            actions.extend(keyed_backup(
                &ctx,
                &bak,
                &select,
                &columns,
                &t.primary_key,
                &what,
                restore,
                &keys.reset(),
            ));
            let assignments = assignments(t, s, "t.");
            let batch = [
                keys.batch_end(&bak_sql, s.batch_size),
                format!(
                    "UPDATE {tbl} t JOIN {bak_sql} b ON {} SET {} WHERE {} AND {} AND {}",
                    join_on("t", "b", &t.primary_key),
                    assignments.join(", "),
                    keys.after_start("b"),
                    keys.up_to_end("b"),
                    predicate(t, s, "t")
                ),
                keys.advance(),
            ];
            (batch.join("; "), Some(Statement::Sql(keys.more())))
        } else {
            actions.extend(backup(&ctx, &bak, &select, &columns, &what, restore));
            let assignments = assignments(t, s, "");
            let pk = idents(&t.primary_key);
            let batch = format!(
                "UPDATE {tbl} SET {} WHERE {} AND ({pk}) IN (SELECT {pk} FROM {bak_sql}) LIMIT {}",
                assignments.join(", "),
                predicate(t, s, ""),
                strata_core::batches::rows(s.batch_size)
            );
            (batch, None)
        };
        let mut action = Action::new(
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
        .restored_by_backup()
        .sized_by_time(s.batch_ms);
        if let Some(more) = more {
            action = action.with_more(more);
        }
        actions.push(action);
        let verify = backfilled_check::<My>(&ctx, t, &bak, &predicate(t, s, "c"));
        actions.push(verify);
        Ok(actions)
    }
}

strata_core::golden_test!("backfill");
