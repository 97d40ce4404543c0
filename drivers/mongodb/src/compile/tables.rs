//! `create_table`, `drop_table` and `rename_table` on MongoDB.

use serde_json::{json, Value as Json};
use strata_core::steps::{CreateTable, DropTable, RenameTable};
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};

use super::{backup, cmd, definition, indexes, managed, meta_of, RULES};
use crate::meta::{self, CollectionMeta, ColumnMeta, SCHEMA};

/// The specs of a new collection's primary key index (`<name>_pkey`) and of its unique
/// columns' (`<name>_<column>_key`).
pub(super) fn key_indexes(name: &str, primary_key: &[String], unique: &[String]) -> Vec<Json> {
    let mut specs = Vec::new();
    if !primary_key.is_empty() {
        specs.push(indexes::spec(
            primary_key,
            &strata_core::steps::fit_identifier(&format!("{name}_pkey")),
            true,
        ));
    }
    for c in unique {
        specs.push(indexes::spec(
            std::slice::from_ref(c),
            &strata_core::steps::fit_identifier(&format!("{name}_{c}_key")),
            true,
        ));
    }
    specs
}

pub fn compile_create(ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
    s.preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
    let name = &s.table.name;
    let meta = CollectionMeta {
        columns: s
            .columns
            .iter()
            .map(|c| ColumnMeta {
                name: c.name.clone(),
                ty: c.ty,
                nullable: c.nullable && !c.primary_key,
                default: c.default.clone(),
            })
            .collect(),
        primary_key: s
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect(),
        relations: Vec::new(),
        user_validator: None,
    };
    let unique: Vec<String> = s
        .columns
        .iter()
        .filter(|c| c.unique)
        .map(|c| c.name.clone())
        .collect();
    let mut forward = vec![
        json!({ "create": name, "validator": meta::validator(&meta), "validationLevel": "strict" }),
    ];
    let specs = key_indexes(name, &meta.primary_key, &unique);
    if !specs.is_empty() {
        forward.push(json!({ "createIndexes": name, "indexes": specs }));
    }
    forward.push(json!({ "update": SCHEMA, "updates": [{ "q": { "_id": name }, "u": { "$set": { "meta": meta } }, "upsert": true }] }));
    Ok(vec![Action::new(ctx.step.index, ActionKind::Ddl, format!("create collection {name}"), cmd(Json::Array(forward)))
        .outside_transaction()
        .with_inverse(cmd(json!([{ "drop": name }, { "delete": SCHEMA, "deletes": [{ "q": { "_id": name }, "limit": 1 }] }])))
        .with_undo_guard(
            cmd(json!({ "count": name })),
            format!("collection {name} holds documents written since the migration; rollback refuses to drop them (empty or drop it by hand first)"),
        )])
}

pub fn analyze_drop(ctx: StepContext<'_>, s: &DropTable) -> Result<Analysis> {
    Ok(match s.preflight(ctx.snapshot, &RULES) {
        Err(m) => Analysis::refused(m),
        Ok(t) => {
            let mut a = Analysis::of_table(t);
            let backup = s.backup.then(|| ctx.backup_name(&s.table, None));
            a.findings
                .push(strata_core::preflight::dropped_rows_finding(
                    t.rows,
                    backup.as_ref(),
                ));
            a
        }
    })
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
    let t = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
    let name = &t.name.name;
    let mut actions = Vec::new();
    if s.backup {
        let bak = ctx.backup_name(&t.name, None).name;
        let restore = json!({
            "aggregate": bak,
            "pipeline": [{ "$merge": { "into": name, "on": "_id", "whenMatched": "keepExisting", "whenNotMatched": "insert" } }],
            "bypassDocumentValidation": true
        });
        actions.extend(backup(
            &ctx,
            name,
            vec![json!({ "$match": {} })],
            &bak,
            &format!("every document of {name}"),
            vec![restore],
        ));
    }
    let mut drop = Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop collection {name}"),
        cmd(json!([{ "drop": name }, { "delete": SCHEMA, "deletes": [{ "q": { "_id": name }, "limit": 1 }] }])),
    )
    .destructive()
    .outside_transaction();
    if s.backup {
        let def = definition(t);
        let mut create = serde_json::Map::new();
        create.insert("create".into(), json!(name));
        if let Some(options) = def["options"].as_object() {
            create.extend(options.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let mut recreate = vec![Json::Object(create)];
        let specs: Vec<Json> = t
            .indexes
            .iter()
            .filter_map(|i| serde_json::from_str(&i.definition).ok())
            .collect();
        if !specs.is_empty() {
            recreate.push(json!({ "createIndexes": name, "indexes": specs }));
        }
        if managed(t) {
            recreate.push(json!({ "update": SCHEMA, "updates": [{ "q": { "_id": name }, "u": { "$set": { "meta": meta_of(t) } }, "upsert": true }] }));
        }
        drop = drop.with_inverse(cmd(Json::Array(recreate)));
    }
    actions.push(drop);
    Ok(actions)
}

pub fn compile_rename(ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
    let t = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
    let (old, new) = (&t.name.name, &s.to);
    // Relations name the collection they reference: those of other collections, and its own
    // to itself, follow it.
    let follow = |m: &mut CollectionMeta| {
        let mut changed = false;
        for r in m.relations.iter_mut().filter(|r| r.references == *old) {
            r.references.clone_from(new);
            changed = true;
        }
        changed
    };
    let mut renamed = meta_of(t);
    follow(&mut renamed);
    let moved = |from: &str, to: &str, meta: &CollectionMeta| -> Json {
        let mut steps =
            vec![json!({ "renameCollection": from, "to": to, "strata": "same database" })];
        // MongoDB keeps a collection's options through a rename; saying the validator again
        // costs nothing and holds on servers that do not.
        if let Some(validator) = definition(t)["options"]["validator"].as_object() {
            steps.push(json!({ "collMod": to, "validator": validator }));
        }
        if managed(t) {
            steps.push(json!({ "update": SCHEMA, "updates": [{ "q": { "_id": to }, "u": { "$set": { "meta": meta } }, "upsert": true }] }));
            steps.push(
                json!({ "delete": SCHEMA, "deletes": [{ "q": { "_id": from }, "limit": 1 }] }),
            );
        }
        Json::Array(steps)
    };
    let mut actions = vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename collection {old} to {new}"),
        cmd(moved(old, new, &renamed)),
    )
    .outside_transaction()
    .with_inverse(cmd(moved(new, old, &meta_of(t))))];
    for (other, mut m) in super::referencing(&ctx, t) {
        if other.name != t.name && follow(&mut m) {
            actions.push(super::schema_action(
                &ctx,
                other,
                &m,
                format!(
                    "follow {old} renamed {new} in the relations of {}",
                    other.name
                ),
            ));
        }
    }
    Ok(actions)
}
