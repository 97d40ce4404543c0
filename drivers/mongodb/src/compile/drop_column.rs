//! `drop_column` on MongoDB: the field's values are backed up with their `_id`, then `$unset`
//! from every document; refused while a relation or a view names it. Rollback puts every
//! value back.

use serde_json::json;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::DropColumn;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{
    backup, cmd, count_command, dml, indexes, meta_of, restore, schema_action, with_markers,
    Analyzer, Compiler, RULES,
};

/// Refuses dropping a field that a recorded relation references (its own relations on the
/// field go with it).
fn referenced<'a>(
    ctx: &StepContext<'a>,
    t: &'a Table,
    field: &str,
) -> strata_core::preflight::Checked<()> {
    let users: Vec<String> = super::referencing(ctx, t)
        .into_iter()
        .flat_map(|(o, m)| {
            m.relations
                .into_iter()
                .filter(|r| r.references == t.name.name && r.ref_columns.iter().any(|k| k == field))
                .filter(|r| !(o.name == t.name && r.columns.iter().any(|k| k == field)))
                .map(|r| format!("{}.{}", o.name, r.name))
                .collect::<Vec<_>>()
        })
        .collect();
    if users.is_empty() {
        return Ok(());
    }
    Err(Refusal::new(RefusalKind::Dependents, format!(
        "field \"{field}\" of \"{}\" is referenced by relations {}; drop them first with drop_foreign_key",
        t.name,
        users.join(", ")
    )))
}

impl AnalyzeKind<DropColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Analysis> {
        let session = self.session;
        let t = match s
            .preflight(ctx.snapshot, &RULES)
            .and_then(|(t, _)| referenced(&ctx, t, &s.column).map(|()| t))
        {
            Err(m) => return Ok(Analysis::refused(m)),
            Ok(t) => t,
        };
        let users =
            crate::views::naming_field(&crate::views::all(session).await?, &t.name.name, &s.column);
        if let Err(m) = super::breaks(users, "field", &s.column, "removed") {
            return Ok(Analysis::refused(m));
        }
        let q = count_command(
            &t.name.name,
            vec![json!({ "$match": { &s.column: { "$exists": true, "$ne": null } } })],
        );
        let n = session.count(&q).await? as u64;
        let mut a = Analysis::of_table(t);
        a.findings
            .push(strata_core::preflight::dropped_values_finding(s, n, || {
                format!(
                    "copied with their _id to {} and verified before the field is removed",
                    ctx.backup_name(&t.name, Some(&s.column)).name
                )
            }));
        Ok(a)
    }
}

impl CompileKind<DropColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
        let (t, _) = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        ctx.checked(referenced(&ctx, t, &s.column))?;
        let name = &t.name.name;
        let mut actions = Vec::new();
        // An index does not follow its field away: the indexes keyed on it go with it, as on SQL
        // (a unique one would also refuse every document but one once they all lack the field).
        // They are dropped first, so that rollback builds them again after the values are back.
        for (index, spec) in indexes::keyed_on(t, &s.column) {
            actions.push(super::keys::drop_index(
                &ctx,
                t,
                &index,
                spec,
                Some(&s.column),
            ));
        }
        let fields = vec![s.column.clone()];
        if s.backup {
            let bak = ctx.backup_name(&t.name, Some(&s.column)).name;
            let selection = vec![
                json!({ "$match": { &s.column: { "$exists": true } } }),
                json!({ "$project": with_markers(&fields) }),
            ];
            actions.extend(backup(
                &ctx,
                name,
                selection,
                &bak,
                &format!("{name}.{} with its _id", s.column),
                vec![restore(&bak, name, &fields)],
            ));
        }
        let mut meta = meta_of(t);
        meta.columns.retain(|c| c.name != s.column);
        meta.relations.retain(|r| !r.columns.contains(&s.column));
        actions.push(schema_action(
            &ctx,
            t,
            &meta,
            format!("remove field {} from the schema of {name}", s.column),
        ));
        let unset = dml(Action::new(
        ctx.step.index,
        ActionKind::Dml,
        format!("remove field {} from every document of {name}", s.column),
        cmd(json!({ "update": name, "updates": [{ "q": { &s.column: { "$exists": true } }, "u": { "$unset": { &s.column: "" } }, "multi": true }], "bypassDocumentValidation": true })),
    )
    .destructive(), t);
        actions.push(if s.backup {
            unset.restored_by_backup()
        } else {
            unset
        });
        Ok(actions)
    }
}

strata_core::golden_test!("drop_column");
