//! `add_foreign_key` on MongoDB: a relation recorded in strata's metadata and checked with
//! `$lookup`; orphans are handled first as the step says (deleted, set to null, or given
//! placeholder parents), each backed up for rollback.

use serde_json::{json, Value as Json};
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, OrphanMode};
use strata_core::{Action, ActionKind, Analysis, Finding, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{
    backup, cmd, count, count_command, meta_of, restore, schema_action, writes, Analyzer, Compiler,
    RULES,
};
use crate::meta::Relation;

/// The `$lookup` of each document's parent (at most one) into `__strata_parent`.
fn parent_lookup(columns: &[String], parent: &str, ref_columns: &[String]) -> Json {
    let lets: serde_json::Map<String, Json> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("k{i}"), json!(format!("${c}"))))
        .collect();
    let matches: Vec<Json> = ref_columns
        .iter()
        .enumerate()
        .map(|(i, p)| json!({ "$eq": [format!("${p}"), format!("$$k{i}")] }))
        .collect();
    json!({ "$lookup": { "from": parent, "let": lets, "pipeline": [{ "$match": { "$expr": { "$and": matches } } }, { "$limit": 1 }], "as": "__strata_parent" } })
}

/// The pipeline stages keeping the documents whose key references no parent document.
pub fn orphans(columns: &[String], parent: &str, ref_columns: &[String]) -> Vec<Json> {
    let present: serde_json::Map<String, Json> = columns
        .iter()
        .map(|c| (c.clone(), json!({ "$ne": null })))
        .collect();
    vec![
        json!({ "$match": present }),
        parent_lookup(columns, parent, ref_columns),
        json!({ "$match": { "__strata_parent": { "$size": 0 } } }),
        json!({ "$project": { "__strata_parent": 0 } }),
    ]
}

/// The stage grouping the orphan documents by their key: one document per missing parent
/// key, its `_id` the key under the referenced fields' names.
fn missing_keys(s: &AddForeignKey) -> Json {
    let group: serde_json::Map<String, Json> = s
        .columns
        .iter()
        .zip(&s.references.columns)
        .map(|(c, p)| (p.clone(), json!(format!("${c}"))))
        .collect();
    json!({ "$group": { "_id": group } })
}

/// The projection making a [`missing_keys`] document a placeholder parent: the referenced
/// fields only (and `extra`, a literal), with an `_id` of the parent's own.
fn as_parent(s: &AddForeignKey, extra: Option<(&str, Json)>) -> Json {
    let mut fields: serde_json::Map<String, Json> = s
        .references
        .columns
        .iter()
        .map(|p| (p.clone(), json!(format!("$_id.{p}"))))
        .collect();
    fields.insert("_id".into(), json!(0));
    if let Some((k, v)) = extra {
        fields.insert(k.into(), json!({ "$literal": v }));
    }
    Json::Object(fields)
}

/// The parent documents the placeholder mode inserts, as a pipeline on the child: one per
/// missing key, holding the referenced fields only.
fn placeholders(s: &AddForeignKey, parent: &str) -> Vec<Json> {
    let mut out = orphans(&s.columns, parent, &s.references.columns);
    out.push(missing_keys(s));
    out.push(json!({ "$project": as_parent(s, None) }));
    out
}

/// What handling the orphans of `s` could break (counted on the child): set to null, their
/// keys may repeat one of a unique index of the child; as placeholders, the documents
/// inserted into the parent one of the parent's (they hold the key only: every other field
/// of a unique index is null in them).
fn orphan_collisions(s: &AddForeignKey, child: &Table, parent: &Table) -> Vec<writes::Collision> {
    let pname = &parent.name.name;
    match s.orphans {
        OrphanMode::SetNull => {
            let mut orphan: Vec<Json> = s.columns.iter().map(|c| writes::present(c)).collect();
            orphan.push(json!({ "$eq": [{ "$size": "$__strata_parent" }, 0] }));
            let set: serde_json::Map<String, Json> = s
                .columns
                .iter()
                .map(|c| {
                    (
                        c.clone(),
                        writes::written(c, json!({ "$and": orphan }), Json::Null),
                    )
                })
                .collect();
            let lookup = parent_lookup(&s.columns, pname, &s.references.columns);
            writes::collisions(child, &[lookup], &set)
        }
        OrphanMode::Placeholder => writes::collisions_of_inserts(parent, &placeholders(s, pname)),
        OrphanMode::Fail | OrphanMode::Delete => Vec::new(),
    }
}

/// The refusal of `s` when an earlier step of the migration changes what its orphans are
/// counted from (see `earlier`).
fn changed_earlier(ctx: &StepContext<'_>, s: &AddForeignKey, child: &Table) -> Option<String> {
    if s.orphans == OrphanMode::Delete {
        return None;
    }
    let child_at = super::earlier::table(ctx).unwrap_or_else(|| s.table.clone());
    let parent_at = super::earlier::parent(ctx).unwrap_or_else(|| s.references.table.clone());
    let own = super::earlier::Read::of(&child_at, &writes::with_keys(child, &s.columns));
    if let Some(m) = super::earlier::changed(ctx, &[own]) {
        return Some(m);
    }
    // A child without documents (made by the plan, or empty, and given none by an earlier
    // step) has no orphans, whatever its parent holds.
    if child.rows == 0 {
        return None;
    }
    super::earlier::changed(
        ctx,
        &[super::earlier::Read::referenced(
            &parent_at,
            &s.references.columns,
        )],
    )
}

/// The step with `replace` dropped when it names a relation strata never recorded (a
/// collection made outside strata has none): a warning, so SQL-minded files run unchanged.
fn recorded<'a>(ctx: &StepContext<'a>, s: &AddForeignKey) -> (AddForeignKey, Option<String>) {
    let mut step = s.clone();
    if let (Some(old), Ok(child)) = (&s.replace, RULES.table(ctx.snapshot, &s.table)) {
        if child.constraint(old).is_none() {
            step.replace = None;
            return (step, Some(format!("`replace`: {} has no relation \"{old}\" recorded by strata; nothing is replaced", child.name)));
        }
    }
    (step, None)
}

impl AnalyzeKind<AddForeignKey> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Analysis> {
        let session = self.session;
        let (step, warning) = recorded(&ctx, s);
        let (child, parent) = strata_core::refuse_unless!(step.preflight(ctx.snapshot, &RULES));
        if let Some(m) = changed_earlier(&ctx, s, child) {
            return Ok(Analysis::refused(Refusal::unsupported(m)));
        }
        let what = format!("the handling of the orphans of {}", child.name);
        let collisions = orphan_collisions(s, child, parent);
        let indexed = if s.orphans == OrphanMode::Placeholder {
            parent
        } else {
            child
        };
        if let Some(m) =
            super::collide(session, indexed, &child.name.name, &collisions, &what).await?
        {
            return Ok(Analysis::refused(Refusal::new(RefusalKind::Conflict, m)));
        }
        let q = count_command(
            &child.name.name,
            orphans(&s.columns, &parent.name.name, &s.references.columns),
        );
        let n = session.count(&q).await? as u64;
        let (handling, blocking) =
            s.orphans
                .describe(n, &child.name.to_string(), &parent.name.to_string());
        let mut a = Analysis::of_table(child);
        a.findings.push(Finding {
            kind: strata_core::FindingKind::Orphans,
            count: n,
            examples: vec![],
            handling,
            blocking,
        });
        a.warnings.push(
        "MongoDB does not enforce relations: strata records it and checks it in `strata verify`"
            .into(),
    );
        a.warnings.extend(warning);
        Ok(a)
    }
}

impl CompileKind<AddForeignKey> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Vec<Action>> {
        let (step, _) = recorded(&ctx, s);
        let (child, parent) = step
            .preflight(ctx.snapshot, &RULES)
            .map_err(|m| ctx.error(m))?;
        // The planner does not count a step whose parent it creates: refused here the same.
        if let Some(m) = changed_earlier(&ctx, s, child) {
            return Err(ctx.error(m));
        }
        let (cname, pname) = (&child.name.name, &parent.name.name);
        let n = ctx.step.index;
        let select = orphans(&s.columns, pname, &s.references.columns);
        let bak = ctx.backup_name(&child.name, Some("orphans")).name;
        let what = format!("the handling of the orphans of {}", child.name);
        let mut actions: Vec<Action> = orphan_collisions(s, child, parent)
            .iter()
            .map(|c| {
                c.check(
                    &ctx,
                    if s.orphans == OrphanMode::Placeholder {
                        parent
                    } else {
                        child
                    },
                    cname,
                    &what,
                )
            })
            .collect();
        let mark = |field: &str, into: &str, on: Json| {
            json!({ "aggregate": bak, "pipeline": [
            { "$project": { "_id": 1 } }, { "$set": { field: true } },
            { "$merge": { "into": into, "on": on, "whenMatched": "merge", "whenNotMatched": "discard" } }
        ], "bypassDocumentValidation": true })
        };
        match step.orphans {
            OrphanMode::Fail => actions.push(Action::check(
                n,
                ActionKind::Check,
                format!("no orphan documents in {cname}"),
                count(cname, select),
                0,
                format!(
                    "documents of {cname} reference no document of {pname} (orphans = \"fail\")"
                ),
            )),
            OrphanMode::Delete => {
                let back = json!({ "aggregate": bak, "pipeline": [{ "$merge": { "into": cname, "on": "_id", "whenMatched": "keepExisting", "whenNotMatched": "insert" } }], "bypassDocumentValidation": true });
                actions.extend(backup(
                    &ctx,
                    cname,
                    select,
                    &bak,
                    &format!("the orphan documents of {cname}"),
                    vec![back],
                ));
                actions.push(
                Action::new(n, ActionKind::Dml, format!("delete the orphan documents of {cname}"), cmd(json!([
                    mark("__strata_delete", cname, json!("_id")),
                    { "delete": cname, "deletes": [{ "q": { "__strata_delete": true }, "limit": 0 }] }
                ])))
                .destructive()
                .restored_by_backup()
                .outside_transaction(),
            );
            }
            OrphanMode::SetNull => {
                let mut selection = select;
                let keep: serde_json::Map<String, Json> =
                    s.columns.iter().map(|c| (c.clone(), json!(1))).collect();
                selection.push(json!({ "$project": keep }));
                actions.extend(backup(
                    &ctx,
                    cname,
                    selection,
                    &bak,
                    &format!("the keys of the orphan documents of {cname}"),
                    vec![restore(&bak, cname, &s.columns)],
                ));
                let nulls: serde_json::Map<String, Json> =
                    s.columns.iter().map(|c| (c.clone(), Json::Null)).collect();
                actions.push(
                Action::new(n, ActionKind::Dml, format!("set the keys of the orphan documents of {cname} to null"), cmd(json!({
                    "aggregate": bak,
                    "pipeline": [{ "$project": { "_id": 1 } }, { "$merge": { "into": cname, "on": "_id", "whenMatched": [{ "$set": nulls }], "whenNotMatched": "discard" } }],
                    "bypassDocumentValidation": true
                })))
                .destructive()
                .restored_by_backup()
                .outside_transaction(),
            );
            }
            OrphanMode::Placeholder => {
                let mut selection = select;
                selection.push(missing_keys(s));
                let on = json!(s.references.columns);
                let remove = json!([
                    { "aggregate": bak, "pipeline": [{ "$project": as_parent(s, Some(("__strata_placeholder", json!(true)))) }, { "$merge": { "into": pname, "on": on, "whenMatched": "merge", "whenNotMatched": "discard" } }], "bypassDocumentValidation": true },
                    { "delete": pname, "deletes": [{ "q": { "__strata_placeholder": true }, "limit": 0 }] }
                ]);
                let Json::Array(remove) = remove else {
                    unreachable!()
                };
                actions.extend(backup(
                    &ctx,
                    cname,
                    selection,
                    &bak,
                    &format!("the missing keys of {pname}"),
                    remove,
                ));
                actions.push(
                Action::new(n, ActionKind::Dml, format!("insert placeholder documents into {pname}"), cmd(json!({
                    "aggregate": bak,
                    "pipeline": [{ "$project": as_parent(s, None) }, { "$merge": { "into": pname, "on": on, "whenMatched": "keepExisting", "whenNotMatched": "insert" } }],
                    "bypassDocumentValidation": true
                })))
                .restored_by_backup()
                .outside_transaction(),
            );
            }
        }
        let mut meta = meta_of(child);
        if let Some(old) = &step.replace {
            meta.relations.retain(|r| &r.name != old);
        }
        meta.relations.push(relation(s));
        actions.push(schema_action(
            &ctx,
            child,
            &meta,
            format!(
                "record relation {} ({cname} → {pname}); checked, not enforced",
                s.constraint_name()
            ),
        ));
        Ok(actions)
    }
}

/// The relation `s` records.
pub fn relation(s: &AddForeignKey) -> Relation {
    Relation {
        name: s.constraint_name(),
        columns: s.columns.clone(),
        references: s.references.table.name.clone(),
        ref_columns: s.references.columns.clone(),
        on_delete: serde_json::to_value(s.on_delete)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    }
}

strata_core::golden_test!("add_foreign_key");
