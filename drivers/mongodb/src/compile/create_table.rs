//! `create_table` on MongoDB: the collection with strata's metadata and validator, and the
//! unique indexes of its keys. Rollback drops it.

use serde_json::{json, Value as Json};
use strata_core::driver::CompileKind;
use strata_core::steps::CreateTable;
use strata_core::{Action, ActionKind, Result, StepContext};

use super::{cmd, indexes, Compiler, RULES};
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

impl CompileKind<CreateTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
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
            primary_key: s.primary_key().into_iter().map(str::to_owned).collect(),
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
}

strata_core::golden_test!("create_table");
