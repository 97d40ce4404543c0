//! `rename_column` on MongoDB: `$rename` in every document, with the metadata, validator and
//! indexes that name the field. Rollback renames back.

use serde_json::json;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::RenameColumn;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::columns::{none_held, refuse_held};
use super::{
    cmd, dml, indexes, meta_of, rename_in_place, schema_action, Analyzer, Compiler, RULES,
};

const RENAME_ONTO: &str =
    "the rename would replace their values; rename or remove that field first (sql step)";

impl AnalyzeKind<RenameColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Analysis> {
        let session = self.session;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
        let users =
            crate::views::naming_field(&crate::views::all(session).await?, &t.name.name, &s.column);
        if let Err(m) = super::breaks(users, "field", &s.column, "renamed") {
            return Ok(Analysis::refused(m));
        }
        if let Some(m) = refuse_held(session, &ctx, t, &s.to, RENAME_ONTO).await? {
            return Ok(Analysis::refused(Refusal::new(RefusalKind::Exists, m)));
        }
        Ok(Analysis::of_table(t))
    }
}

impl CompileKind<RenameColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let name = &t.name.name;
        // Only documents that lack the new name: rolled back, a document written since with
        // both fields keeps both rather than losing one.
        let rename = |from: &str, to: &str| {
            cmd(
                json!({ "update": name, "updates": [{ "q": { from: { "$exists": true }, to: { "$exists": false } }, "u": [rename_in_place(from, to)], "multi": true }], "bypassDocumentValidation": true }),
            )
        };
        let mut meta = meta_of(t);
        for c in meta.columns.iter_mut().filter(|c| c.name == s.column) {
            c.name = s.to.clone();
        }
        for k in meta.primary_key.iter_mut().filter(|k| **k == s.column) {
            *k = s.to.clone();
        }
        for r in &mut meta.relations {
            for k in r.columns.iter_mut().filter(|k| **k == s.column) {
                *k = s.to.clone();
            }
        }
        let follow = |m: &mut crate::meta::CollectionMeta| {
            let mut changed = false;
            for r in m.relations.iter_mut().filter(|r| r.references == *name) {
                for k in r.ref_columns.iter_mut().filter(|k| **k == s.column) {
                    *k = s.to.clone();
                    changed = true;
                }
            }
            changed
        };
        follow(&mut meta);
        let mut actions = vec![
            none_held(&ctx, t, &s.to, RENAME_ONTO),
            schema_action(
                &ctx,
                t,
                &meta,
                format!(
                    "rename field {} to {} in the schema of {name}",
                    s.column, s.to
                ),
            ),
        ];
        // The relations of other collections that reference the field follow it.
        for (other, mut m) in super::referencing(&ctx, t) {
            if other.name != t.name && follow(&mut m) {
                actions.push(schema_action(
                    &ctx,
                    other,
                    &m,
                    format!(
                        "follow {name}.{} renamed {} in the relations of {}",
                        s.column, s.to, other.name
                    ),
                ));
            }
        }
        // An index names fields, and does not follow a renamed one (it would index a field no
        // document has, and a unique one would refuse the rename): each index whose key or
        // partial filter names the field is built again under its name, on the new one.
        let rebuilt = indexes::naming(t, &s.column);
        for (index, spec) in &rebuilt {
            actions.push(super::keys::drop_index(
                &ctx,
                t,
                index,
                spec.clone(),
                Some(&s.column),
            ));
        }
        actions.push(dml(
            Action::new(
                ctx.step.index,
                ActionKind::Dml,
                format!(
                    "rename field {} to {} in every document of {name}",
                    s.column, s.to
                ),
                rename(&s.column, &s.to),
            )
            .with_inverse(rename(&s.to, &s.column)),
            t,
        ));
        for (index, spec) in &rebuilt {
            let spec = indexes::renamed(spec, &s.column, &s.to);
            actions.push(
                Action::new(
                    ctx.step.index,
                    ActionKind::Ddl,
                    format!("build index {index} of {name} again on field {}", s.to),
                    cmd(json!({ "createIndexes": name, "indexes": [spec] })),
                )
                .outside_transaction()
                .with_inverse(cmd(json!({ "dropIndexes": name, "index": index }))),
            );
        }
        Ok(actions)
    }
}

strata_core::golden_test!("rename_column");
