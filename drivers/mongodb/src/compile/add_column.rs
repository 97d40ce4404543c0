//! `add_column` on MongoDB: the field enters strata's metadata and the validator; refused
//! while documents already hold the field. Rollback takes it out again.

use serde_json::json;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddColumn;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::columns::{none_held, refuse_held};
use super::{cmd, dml, meta_of, schema_action, Analyzer, Compiler, RULES};
use crate::bsonx;
use crate::meta::ColumnMeta;

impl AnalyzeKind<AddColumn> for Analyzer<'_> {
    /// `add_column`; with a default, refused where documents hold the field already.
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Analysis> {
        let session = self.session;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
        if s.default.is_some() {
            if let Some(m) = refuse_held(session, &ctx, t, &s.column, DEFAULT_OVER).await? {
                return Ok(Analysis::refused(Refusal::new(RefusalKind::Exists, m)));
            }
        }
        Ok(Analysis::of_table(t))
    }
}

impl CompileKind<AddColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let name = &t.name.name;
        let mut meta = meta_of(t);
        meta.columns.push(ColumnMeta {
            name: s.column.clone(),
            ty: s.ty,
            nullable: s.nullable,
            default: s.default.clone(),
        });
        let mut actions = vec![schema_action(
            &ctx,
            t,
            &meta,
            format!("add field {} ({}) to {name}", s.column, s.ty),
        )];
        if let Some(default) = &s.default {
            let value = bsonx::value(default, Some(s.ty));
            // Rollback removes the field from every document: none may hold it before.
            actions.insert(0, none_held(&ctx, t, &s.column, DEFAULT_OVER));
            actions.insert(
            1,
            dml(Action::new(
                ctx.step.index,
                ActionKind::Dml,
                format!("write the default into the existing documents of {name}"),
                cmd(json!({ "update": name, "updates": [{ "q": { &s.column: { "$exists": false } }, "u": { "$set": { &s.column: value } }, "multi": true }], "bypassDocumentValidation": true })),
            )
            .with_inverse(cmd(json!({ "update": name, "updates": [{ "q": {}, "u": { "$unset": { &s.column: "" } }, "multi": true }], "bypassDocumentValidation": true }))), t),
        );
        }
        Ok(actions)
    }
}

const DEFAULT_OVER: &str = "the default would not be written to them, and rollback would remove their values; add the field without a default, then backfill the documents that lack it";

strata_core::golden_test!("add_column");
