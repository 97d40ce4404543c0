//! `set_not_null` on MongoDB: the validator requires the field; documents without it (or
//! with null) are filled first where the step says, their `_id` backed up so that rollback
//! puts the nulls back.

use serde_json::json;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::SetNotNull;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{
    backup, cmd, collide, count, count_command, dml, earlier, examples, meta_of, restore,
    schema_action, with_markers, writes, Analyzer, Compiler, RULES,
};
use crate::bsonx;

fn nulls(column: &str) -> serde_json::Value {
    json!({ column: null })
}

impl AnalyzeKind<SetNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Analysis> {
        let session = self.session;
        let (t, c) =
            strata_core::refuse_unless!(RULES.table_column(ctx.snapshot, &s.table, &s.column));
        let mut a = Analysis::of_table(t);
        if !c.nullable {
            a.warnings.push(format!(
                "{}.{} is already required; nothing to do",
                t.name, c.name
            ));
            return Ok(a);
        }
        let read = match &s.fill {
            Some(_) => writes::with_keys(t, std::slice::from_ref(&s.column)),
            None => vec![s.column.clone()],
        };
        let at_step = earlier::table(&ctx).unwrap_or_else(|| s.table.clone());
        if let Some(m) = earlier::changed(&ctx, &[earlier::Read::of(&at_step, &read)]) {
            return Ok(Analysis::refused(Refusal::unsupported(m)));
        }
        if let Some(fill) = &s.fill {
            let what = format!("the fill {fill} of {}.{}", t.name, c.name);
            if let Some(m) = collide(
                session,
                t,
                &t.name.name,
                &fill_collisions(t, s, c.portable),
                &what,
            )
            .await?
            {
                return Ok(Analysis::refused(Refusal::new(RefusalKind::Conflict, m)));
            }
        }
        let q = count_command(&t.name.name, vec![json!({ "$match": nulls(&s.column) })]);
        let n = session.count(&q).await? as u64;
        let shown = if n > 0 {
            examples(session, t, nulls(&s.column), &s.column).await?
        } else {
            vec![]
        };
        let mut finding = preflight::nulls_finding(t, &c.name, n, s.fill.as_ref(), shown);
        if let Some(fill) = &s.fill {
            finding.blocking = None;
            finding.handling = format!("filled with {fill}; the _id of each is backed up and rollback puts the null or missing field back");
        }
        a.findings.push(finding);
        Ok(a)
    }
}

/// The value a fill writes, as a BSON literal in JSON.
fn fill_value(
    fill: &serde_json::Value,
    ty: Option<strata_core::PortableType>,
) -> serde_json::Value {
    bsonx::value(fill, ty)
}

/// What filling the nulls of `s.column` could break.
fn fill_collisions(
    t: &Table,
    s: &SetNotNull,
    ty: Option<strata_core::PortableType>,
) -> Vec<writes::Collision> {
    let Some(fill) = &s.fill else {
        return Vec::new();
    };
    let mut set = serde_json::Map::new();
    set.insert(
        s.column.clone(),
        writes::written(
            &s.column,
            writes::absent(&s.column),
            json!({ "$literal": fill_value(fill, ty) }),
        ),
    );
    writes::collisions(t, &[], &set)
}

impl CompileKind<SetNotNull> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
        let (t, c) = RULES
            .table_column(ctx.snapshot, &s.table, &s.column)
            .map_err(|m| ctx.error(m))?;
        if !c.nullable {
            return Ok(Vec::new());
        }
        let name = &t.name.name;
        let mut actions = Vec::new();
        match &s.fill {
            Some(fill) => {
                let what = format!("the fill {fill} of {}.{}", t.name, c.name);
                for collision in fill_collisions(t, s, c.portable) {
                    actions.push(collision.check(&ctx, t, name, &what));
                }
                let bak = ctx.backup_name(&t.name, Some(&s.column)).name;
                let fields = vec![s.column.clone()];
                let selection = vec![
                    json!({ "$match": nulls(&s.column) }),
                    json!({ "$project": with_markers(&fields) }),
                ];
                actions.extend(backup(
                    &ctx,
                    name,
                    selection,
                    &bak,
                    &format!(
                        "the documents of {name} where {} is null or missing",
                        s.column
                    ),
                    vec![restore(&bak, name, &fields)],
                ));
                let value = fill_value(fill, c.portable);
                actions.push(dml(
                Action::new(
                    ctx.step.index,
                    ActionKind::Dml,
                    format!("fill the null or missing {} of {name} with {fill}", s.column),
                    cmd(json!({ "update": name, "updates": [{ "q": nulls(&s.column), "u": { "$set": { &s.column: value } }, "multi": true }], "bypassDocumentValidation": true })),
                )
                .restored_by_backup(), t,
            ));
            }
            None => actions.push(strata_core::Action::check(
                ctx.step.index,
                ActionKind::Check,
                format!("{name}.{} is never null or missing", s.column),
                count(name, vec![json!({ "$match": nulls(&s.column) })]),
                0,
                format!(
                    "documents of {name} hold no {} and the step has no `fill`",
                    s.column
                ),
            )),
        }
        let mut meta = meta_of(t);
        for m in meta.columns.iter_mut().filter(|m| m.name == s.column) {
            m.nullable = false;
        }
        actions.push(schema_action(
            &ctx,
            t,
            &meta,
            format!("require {} in {name}", s.column),
        ));
        Ok(actions)
    }
}

strata_core::golden_test!("set_not_null");
