//! Relations (foreign keys recorded by strata, checked with `$lookup`) and indexes.

use serde_json::{json, Value as Json};
use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, DropForeignKey, DropIndex, OrphanMode};
use strata_core::{Action, ActionKind, Analysis, Finding, QualifiedName, Result, StepContext};

use super::{backup, cmd, count, meta_of, restore, schema_action, RULES};
use crate::connection::Session;
use crate::meta::Relation;

/// The pipeline stages keeping the documents whose key references no parent document.
pub fn orphans(columns: &[String], parent: &str, ref_columns: &[String]) -> Vec<Json> {
    let present: serde_json::Map<String, Json> = columns
        .iter()
        .map(|c| (c.clone(), json!({ "$ne": null })))
        .collect();
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
    vec![
        json!({ "$match": present }),
        json!({ "$lookup": { "from": parent, "let": lets, "pipeline": [{ "$match": { "$expr": { "$and": matches } } }, { "$limit": 1 }], "as": "__strata_parent" } }),
        json!({ "$match": { "__strata_parent": { "$size": 0 } } }),
        json!({ "$project": { "__strata_parent": 0 } }),
    ]
}

/// The step with `replace` dropped when it names a relation strata never recorded (a
/// collection made outside strata has none): a warning, so SQL-minded files run unchanged.
fn recorded<'a>(ctx: &StepContext<'a>, s: &AddForeignKey) -> (AddForeignKey, Option<String>) {
    let mut step = s.clone();
    if let (Some(old), Ok(child)) = (&s.replace, RULES.table(ctx, &s.table)) {
        if child.constraint(old).is_none() {
            step.replace = None;
            return (step, Some(format!("`replace`: {} has no relation \"{old}\" recorded by strata; nothing is replaced", child.name)));
        }
    }
    (step, None)
}

pub async fn analyze_add_foreign_key(
    session: &Session,
    ctx: StepContext<'_>,
    s: &AddForeignKey,
) -> Result<Analysis> {
    let (step, warning) = recorded(&ctx, s);
    let (child, parent) = match preflight::add_foreign_key(&ctx, &step, &RULES) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(x) => x,
    };
    let strata_core::Statement::Command(q) = count(
        &child.name.name,
        orphans(&s.columns, &parent.name.name, &s.references.columns),
    ) else {
        unreachable!()
    };
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

pub fn compile_add_foreign_key(ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Vec<Action>> {
    let (step, _) = recorded(&ctx, s);
    let (child, parent) =
        preflight::add_foreign_key(&ctx, &step, &RULES).map_err(|m| ctx.error(m))?;
    let (cname, pname) = (&child.name.name, &parent.name.name);
    let n = ctx.step.index;
    let select = orphans(&s.columns, pname, &s.references.columns);
    let bak = ctx.backup_name(&child.name, Some("orphans")).name;
    let mut actions = Vec::new();
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
            format!("documents of {cname} reference no document of {pname} (orphans = \"fail\")"),
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
            let group: serde_json::Map<String, Json> = s
                .columns
                .iter()
                .zip(&s.references.columns)
                .map(|(c, p)| (p.clone(), json!(format!("${c}"))))
                .collect();
            let mut selection = select;
            selection.push(json!({ "$group": { "_id": group } }));
            let fields: serde_json::Map<String, Json> = s
                .references
                .columns
                .iter()
                .map(|p| (p.clone(), json!(format!("$_id.{p}"))))
                .collect();
            let as_parents = |extra: Option<(&str, Json)>| {
                let mut f = fields.clone();
                f.insert("_id".into(), json!(0));
                if let Some((k, v)) = extra {
                    f.insert(k.into(), json!({ "$literal": v }));
                }
                Json::Object(f)
            };
            let on = json!(s.references.columns);
            let remove = json!([
                { "aggregate": bak, "pipeline": [{ "$project": as_parents(Some(("__strata_placeholder", json!(true)))) }, { "$merge": { "into": pname, "on": on, "whenMatched": "merge", "whenNotMatched": "discard" } }], "bypassDocumentValidation": true },
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
                    "pipeline": [{ "$project": as_parents(None) }, { "$merge": { "into": pname, "on": on, "whenMatched": "keepExisting", "whenNotMatched": "insert" } }],
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
    meta.relations.push(Relation {
        name: s.constraint_name(),
        columns: s.columns.clone(),
        references: pname.clone(),
        ref_columns: s.references.columns.clone(),
        on_delete: serde_json::to_value(s.on_delete)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    });
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

pub fn compile_drop_foreign_key(ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
    preflight::drop_foreign_key(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let t = RULES.table(&ctx, &s.table).map_err(|m| ctx.error(m))?;
    let mut meta = meta_of(t);
    meta.relations.retain(|r| r.name != s.name);
    Ok(vec![schema_action(
        &ctx,
        t,
        &meta,
        format!("forget relation {} of {}", s.name, t.name),
    )])
}

fn index_check<'a>(
    ctx: &StepContext<'a>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
) -> std::result::Result<&'a Table, String> {
    RULES.new_name("index name", name)?;
    let t = RULES.table(ctx, table)?;
    for c in columns {
        preflight::find_column(t, c)?;
    }
    if t.indexes.iter().any(|i| i.name == name) {
        return Err(format!(
            "collection \"{}\" already has an index named \"{name}\"",
            t.name
        ));
    }
    Ok(t)
}

pub async fn analyze_add_index(
    session: &Session,
    ctx: StepContext<'_>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
    unique: bool,
) -> Result<Analysis> {
    let t = match index_check(&ctx, table, columns, name) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let mut a = Analysis::of_table(t);
    if unique {
        // A unique index treats a missing field as null: those collide too.
        let key: serde_json::Map<String, Json> = columns
            .iter()
            .map(|c| (c.clone(), json!({ "$ifNull": [format!("${c}"), null] })))
            .collect();
        let strata_core::Statement::Command(q) = count(
            &t.name.name,
            vec![
                json!({ "$group": { "_id": key, "n": { "$sum": 1 } } }),
                json!({ "$match": { "n": { "$gt": 1 } } }),
            ],
        ) else {
            unreachable!()
        };
        let n = session.count(&q).await? as u64;
        a.findings
            .push(preflight::duplicates_finding(t, columns, n, vec![]));
    }
    Ok(a)
}

pub fn compile_add_index(
    ctx: StepContext<'_>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
    unique: bool,
) -> Result<Vec<Action>> {
    let t = index_check(&ctx, table, columns, name).map_err(|m| ctx.error(m))?;
    let key: serde_json::Map<String, Json> =
        columns.iter().map(|c| (c.clone(), json!(1))).collect();
    let kind = if unique { "unique index" } else { "index" };
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("create {kind} {name} on {}({})", t.name, columns.join(", ")),
        cmd(json!({ "createIndexes": t.name.name, "indexes": [{ "key": key, "name": name, "unique": unique }] })),
    )
    .outside_transaction()
    .with_inverse(cmd(json!({ "dropIndexes": t.name.name, "index": name })))])
}

pub fn compile_drop_index(ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
    let (t, index) = preflight::drop_index(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let spec: Json = serde_json::from_str(&index.definition).unwrap_or(Json::Null);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop index {} of {}", s.name, t.name),
        cmd(json!({ "dropIndexes": t.name.name, "index": s.name })),
    )
    .outside_transaction()
    .with_inverse(cmd(
        json!({ "createIndexes": t.name.name, "indexes": [spec] }),
    ))])
}
