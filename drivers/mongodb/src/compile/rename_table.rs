//! `rename_table` on MongoDB (`renameCollection`), refused while a view reads the collection
//! by name. Rollback renames back.

use serde_json::{json, Value as Json};
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::RenameTable;
use strata_core::Refusal;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};

use super::{cmd, definition, managed, meta_of, Analyzer, Compiler, RULES};
use crate::meta::{CollectionMeta, SCHEMA};

impl AnalyzeKind<RenameTable> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Analysis> {
        Ok(Analysis::of_checked(
            s.preflight(ctx.snapshot, &RULES).and_then(unbroken_views),
        ))
    }
}

impl CompileKind<RenameTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
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
}

/// A collection whose views would break when it is renamed (a view keeps its source's name).
fn unbroken_views(t: &Table) -> strata_core::preflight::Checked<&Table> {
    if t.dependents.is_empty() {
        return Ok(t);
    }
    Err(Refusal::dependents(
        &t.name,
        format!(
            "{} read collection \"{}\" by name and would break; drop them first (sql step) and re-create them after",
            t.dependents.join(", "),
            t.name
        ),
    ))
}

strata_core::golden_test!("rename_table");
