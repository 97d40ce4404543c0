//! `backfill`, and the escape hatches: `sql` (a command document for MongoDB) and `assert` (an
//! aggregation whose document count must be `expect_rows`).

use serde_json::{json, Value as Json};
use strata_core::steps::{Assert, Backfill, Sql};
use strata_core::{Action, ActionKind, Analysis, Finding, FindingKind, Result, StepContext};

use super::{backup, batch, cmd, count, count_command, restore, with_markers, writes, RULES};
use crate::bsonx;
use crate::connection::Session;

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

pub async fn analyze_backfill(
    session: &Session,
    ctx: StepContext<'_>,
    s: &Backfill,
) -> Result<Analysis> {
    let t = match s.preflight(ctx.snapshot, &RULES) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let collisions = writes::collisions(t, &[], &written(t, s));
    if !collisions.is_empty() {
        let set: Vec<String> = s.set.keys().cloned().collect();
        let mut read = writes::with_keys(t, &set);
        read.extend(s.conditions().into_keys());
        let at_step = super::earlier::table(&ctx).unwrap_or_else(|| s.table.clone());
        if let Some(m) = super::earlier::changed(&ctx, &[super::earlier::Read::of(&at_step, &read)])
        {
            return Ok(Analysis::refused(m));
        }
    }
    let what = format!("the values the backfill of {} writes", t.name);
    if let Some(m) = super::collide(session, t, &t.name.name, &collisions, &what).await? {
        return Ok(Analysis::refused(m));
    }
    let q = count_command(&t.name.name, vec![json!({ "$match": predicate(t, s) })]);
    let n = session.count(&q).await? as u64;
    let mut a = Analysis::of_table(t);
    a.findings.push(Finding {
        kind: FindingKind::RowsChanged,
        count: n,
        examples: vec![],
        handling: "updated; the old values are backed up and restored by rollback".into(),
        blocking: None,
    });
    Ok(a)
}

pub fn compile_backfill(ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
    let t = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
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
                "backfill {name} ({}) in batches of {}",
                fields.join(", "),
                s.batch_size
            ),
            batch(name, &predicate(t, s), Json::Object(literal), s.batch_size),
        )
        .restored_by_backup()
        .outside_transaction(),
    );
    Ok(actions)
}

fn missing(what: &str) -> String {
    format!("no `mongodb` {what} for this engine (the step gives only other engines)")
}

pub fn analyze_command(s: &Sql) -> Analysis {
    if s.mongodb.is_none() {
        return Analysis::refused(missing("command"));
    }
    let mut a = Analysis::default();
    if s.down.as_ref().and_then(|d| d.mongodb.as_ref()).is_none() {
        a.warnings
            .push("no `down.mongodb`: rollback refuses to undo this step".into());
    }
    a
}

pub fn compile_command(ctx: StepContext<'_>, s: &Sql) -> Result<Vec<Action>> {
    let command = s
        .mongodb
        .clone()
        .ok_or_else(|| ctx.error(missing("command")))?;
    let mut action = Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        "run the step's command",
        cmd(command),
    )
    .outside_transaction();
    if let Some(down) = s.down.as_ref().and_then(|d| d.mongodb.clone()) {
        action = action.with_inverse(cmd(down));
    }
    Ok(vec![action])
}

pub fn analyze_assert(s: &Assert) -> Analysis {
    if s.mongodb.is_none() {
        return Analysis::refused(missing("aggregation"));
    }
    Analysis::default()
}

pub fn compile_assert(ctx: StepContext<'_>, s: &Assert) -> Result<Vec<Action>> {
    let spec = s
        .mongodb
        .clone()
        .ok_or_else(|| ctx.error(missing("aggregation")))?;
    let collection = spec["aggregate"].as_str().ok_or_else(|| {
        ctx.error("field `mongodb`: expected { aggregate = \"collection\", pipeline = [...] }")
    })?;
    let pipeline: Vec<Json> = spec["pipeline"].as_array().cloned().unwrap_or_default();
    Ok(vec![Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!(
            "assert: the aggregation returns {} documents",
            s.expect_rows
        ),
        count(collection, pipeline),
        s.expect_rows as i64,
        "assertion failed",
    )])
}
