//! `drop_table` on MongoDB: the collection is copied to a verified backup first; rollback
//! copies it back with its indexes, metadata and validator.

use serde_json::{json, Value as Json};
use strata_core::driver::CompileKind;
use strata_core::steps::DropTable;
use strata_core::{Action, ActionKind, Result, StepContext};

use super::{backup, cmd, definition, managed, meta_of, Compiler, RULES};
use crate::meta::SCHEMA;

impl CompileKind<DropTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
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
}

strata_core::golden_test!("drop_table");
