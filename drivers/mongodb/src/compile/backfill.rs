//! `backfill` on MongoDB: the documents to change are backed up with their `_id` first, then
//! updated in batches; the inverse puts the old values back from the backup.

use serde_json::{json, Value as Json};
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Backfill;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{
    backup, batch, count_command, restore, with_markers, writes, Analyzer, Compiler, RULES,
};
use crate::bsonx;

/// Documents the backfill changes: matching `where`, not already holding the `set` values.
fn predicate(t: &strata_core::schema::Table, s: &Backfill) -> Json {
    let value = |c: &str, v: &Json| bsonx::value(v, t.column(c).and_then(|c| c.portable));
    let mut all: Vec<Json> = s
        .conditions()
        .iter()
        .map(|(c, v)| json!({ c: value(c, v) }))
        .collect();
    let differs: Vec<Json> = s
        .set
        .iter()
        .map(|(c, v)| json!({ c: { "$ne": value(c, v) } }))
        .collect();
    all.push(json!({ "$or": differs }));
    json!({ "$and": all })
}

/// [`predicate`] as an expression over a document, with the values it writes: what the
/// backfill leaves in each field it sets.
fn written(t: &strata_core::schema::Table, s: &Backfill) -> serde_json::Map<String, Json> {
    let value = |c: &str, v: &Json| bsonx::value(v, t.column(c).and_then(|c| c.portable));
    let mut all: Vec<Json> = s
        .conditions()
        .iter()
        .map(|(c, v)| match v {
            Json::Null => writes::absent(c),
            v => json!({ "$eq": [format!("${c}"), { "$literal": value(c, v) }] }),
        })
        .collect();
    let differs: Vec<Json> = s
        .set
        .iter()
        .map(|(c, v)| match v {
            Json::Null => writes::present(c),
            v => json!({ "$ne": [format!("${c}"), { "$literal": value(c, v) }] }),
        })
        .collect();
    all.push(json!({ "$or": differs }));
    let selected = json!({ "$and": all });
    s.set
        .iter()
        .map(|(c, v)| {
            (
                c.clone(),
                writes::written(c, selected.clone(), json!({ "$literal": value(c, v) })),
            )
        })
        .collect()
}

impl AnalyzeKind<Backfill> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Analysis> {
        let session = self.session;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
        let collisions = writes::collisions(t, &[], &written(t, s));
        if !collisions.is_empty() {
            let set: Vec<String> = s.set.keys().cloned().collect();
            let mut read = writes::with_keys(t, &set);
            read.extend(s.conditions().into_keys());
            let at_step = super::earlier::table(&ctx).unwrap_or_else(|| s.table.clone());
            if let Some(m) =
                super::earlier::changed(&ctx, &[super::earlier::Read::of(&at_step, &read)])
            {
                return Ok(Analysis::refused(Refusal::unsupported(m)));
            }
        }
        let what = format!("the values the backfill of {} writes", t.name);
        if let Some(m) = super::collide(session, t, &t.name.name, &collisions, &what).await? {
            return Ok(Analysis::refused(Refusal::new(RefusalKind::Conflict, m)));
        }
        let q = count_command(&t.name.name, vec![json!({ "$match": predicate(t, s) })]);
        let n = session.count(&q).await? as u64;
        let mut a = Analysis::of_table(t);
        a.findings
            .push(strata_core::preflight::changed_rows_finding(n, None));
        Ok(a)
    }
}

impl CompileKind<Backfill> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let name = &t.name.name;
        let fields: Vec<String> = s.set.keys().cloned().collect();
        let bak = ctx.backup_name(&t.name, Some("backfill")).name;
        let selection = vec![
            json!({ "$match": predicate(t, s) }),
            json!({ "$project": with_markers(&fields) }),
        ];
        let what = format!("the values the backfill of {} writes", t.name);
        let mut actions: Vec<Action> = writes::collisions(t, &[], &written(t, s))
            .iter()
            .map(|c| c.check(&ctx, t, name, &what))
            .collect();
        actions.extend(backup(
            &ctx,
            name,
            selection,
            &bak,
            &format!("the documents of {name} the backfill changes"),
            vec![restore(&bak, name, &fields)],
        ));
        let set: serde_json::Map<String, Json> = s
            .set
            .iter()
            .map(|(c, v)| {
                (
                    c.clone(),
                    bsonx::value(v, t.column(c).and_then(|c| c.portable)),
                )
            })
            .collect();
        let literal: serde_json::Map<String, Json> = set
            .into_iter()
            .map(|(k, v)| (k, json!({ "$literal": v })))
            .collect();
        actions.push(
            Action::new(
                ctx.step.index,
                ActionKind::Backfill,
                format!(
                    "backfill {name} ({}) in {}",
                    fields.join(", "),
                    strata_core::batches::describe(s.batch_size, s.batch_ms)
                ),
                batch(name, &predicate(t, s), Json::Object(literal), s.batch_size),
            )
            .restored_by_backup()
            .sized_by_time(s.batch_ms)
            .outside_transaction(),
        );
        Ok(actions)
    }
}

strata_core::golden_test!("backfill");
