//! What the column steps share on MongoDB, where a column is a field described in strata's
//! metadata and validator: the refusal of a field documents already hold (`refuse_held`,
//! `none_held`), the compilation of a change to what the metadata records
//! (`compile_attribute`, for `drop_not_null`, `set_default` and `drop_default`), and the note
//! that MongoDB applies no defaults.

use serde_json::json;
use strata_core::schema::Table;
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, StepContext};

use super::{count, count_command, earlier, meta_of, schema_action, RULES};
use crate::meta::ColumnMeta;

/// The stage keeping the documents that hold `field`, null or not.
fn holding(field: &str) -> Vec<serde_json::Value> {
    vec![json!({ "$match": { field: { "$exists": true } } })]
}

/// The refusal of a step that writes `field`, a field the schema does not list, when
/// documents of `t` hold it already: the schema of a collection strata does not manage lists
/// the fields of its first hundred documents only. `why` says what the step would do to
/// them. Not counted when an earlier step of the migration removes the field from every
/// document (the check made at apply time counts it then).
pub(super) async fn refuse_held(
    session: &crate::connection::Session,
    ctx: &StepContext<'_>,
    t: &Table,
    field: &str,
    why: &str,
) -> Result<Option<String>> {
    if earlier::removes(ctx, field) {
        return Ok(None);
    }
    let q = count_command(&t.name.name, holding(field));
    let n = session.count(&q).await?;
    Ok((n > 0).then(|| {
        format!(
            "{n} documents of \"{}\" already hold a field \"{field}\", which the schema does not list (it lists the fields of the first hundred documents of a collection strata does not manage); {why}",
            t.name
        )
    }))
}

/// The check made at apply time, before a step writes `field`, that no document holds it:
/// one written since the plan counted is not overwritten either.
pub(super) fn none_held(ctx: &StepContext<'_>, t: &Table, field: &str, why: &str) -> Action {
    let name = &t.name.name;
    Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!("no document of {name} holds a field {field} yet"),
        count(name, holding(field)),
        0,
        format!("documents of {name} hold a field {field}, written since the plan; {why}"),
    )
}

/// A change to a column's metadata only (nullability, recorded default).
pub fn compile_attribute(
    ctx: StepContext<'_>,
    table: &QualifiedName,
    column: &str,
    what: &str,
    change: impl Fn(&mut ColumnMeta),
) -> Result<Vec<Action>> {
    let (t, _): (&Table, _) = RULES
        .table_column(ctx.snapshot, table, column)
        .map_err(|m| ctx.error(m))?;
    let mut meta = meta_of(t);
    for m in meta.columns.iter_mut().filter(|m| m.name == column) {
        change(m);
    }
    Ok(vec![schema_action(
        &ctx,
        t,
        &meta,
        format!("{what} {}.{column}", t.name),
    )])
}

pub(super) fn defaults_note(mut a: Analysis) -> Analysis {
    if a.refusals.is_empty() {
        a.warnings.push(
            "MongoDB applies no defaults: strata records the default in its metadata only".into(),
        );
    }
    a
}
