//! What `add_index`, `add_unique` and the steps that rebuild an index share on MongoDB: the
//! duplicate count, `createIndexes`, and `dropIndexes` with the spec that re-creates it.

use serde_json::{json, Value as Json};
use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::NewIndex;
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{cmd, count_command, indexes, RULES};
use crate::connection::Session;

fn index_check<'a>(
    ctx: &StepContext<'a>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
    unique: bool,
) -> strata_core::preflight::Checked<&'a Table> {
    RULES.new_name("index name", name)?;
    let t = RULES.table(ctx.snapshot, table)?;
    for c in columns {
        preflight::find_column(t, c)?;
    }
    if t.indexes.iter().any(|i| i.name == name) {
        return Err(Refusal::new(
            RefusalKind::Exists,
            format!(
                "collection \"{}\" already has an index named \"{name}\"",
                t.name
            ),
        ));
    }
    if let Some(same) = indexes::same_as(t, &indexes::spec(columns, name, unique)) {
        return Err(Refusal::new(RefusalKind::Exists, format!(
            "collection \"{}\" already has index \"{}\" on ({}) with the same options, and MongoDB keeps one index per key and options; use it, or drop it first",
            t.name,
            same.name,
            columns.join(", ")
        )));
    }
    Ok(t)
}

pub async fn analyze_add_index(
    session: &Session,
    ctx: StepContext<'_>,
    key: &NewIndex<'_>,
) -> Result<Analysis> {
    let (table, columns, name, unique) = (key.table, key.columns, key.name.as_str(), key.unique);
    let t = strata_core::refuse_unless!(index_check(&ctx, table, columns, name, unique));
    let mut a = Analysis::of_table(t);
    if unique {
        let at_step = super::earlier::table(&ctx).unwrap_or_else(|| table.clone());
        if let Some(m) =
            super::earlier::changed(&ctx, &[super::earlier::Read::of(&at_step, columns)])
        {
            return Ok(Analysis::refused(Refusal::unsupported(m)));
        }
        // A unique index treats a missing field as null: those collide too.
        let key: serde_json::Map<String, Json> = columns
            .iter()
            .map(|c| (c.clone(), json!({ "$ifNull": [format!("${c}"), null] })))
            .collect();
        let q = count_command(
            &t.name.name,
            vec![
                json!({ "$group": { "_id": key, "n": { "$sum": 1 } } }),
                json!({ "$match": { "n": { "$gt": 1 } } }),
            ],
        );
        let n = session.count(&q).await? as u64;
        a.findings
            .push(preflight::duplicates_finding(t, columns, n, vec![]));
    }
    Ok(a)
}

pub fn compile_add_index(ctx: StepContext<'_>, key: &NewIndex<'_>) -> Result<Vec<Action>> {
    let (table, columns, name, unique) = (key.table, key.columns, key.name.as_str(), key.unique);
    let t = ctx.checked(index_check(&ctx, table, columns, name, unique))?;
    let kind = if unique { "unique index" } else { "index" };
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("create {kind} {name} on {}({})", t.name, columns.join(", ")),
        cmd(json!({ "createIndexes": t.name.name, "indexes": [indexes::spec(columns, name, unique)] })),
    )
    .outside_transaction()
    .with_inverse(cmd(json!({ "dropIndexes": t.name.name, "index": name })))])
}

/// Drops index `index` (of spec `spec`) of `t`, because a step changes field `field` when
/// one is given; rollback builds it again.
pub fn drop_index(
    ctx: &StepContext<'_>,
    t: &Table,
    index: &str,
    spec: Json,
    field: Option<&str>,
) -> Action {
    let name = &t.name.name;
    let because = field
        .map(|f| format!(" (it names field {f})"))
        .unwrap_or_default();
    Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop index {index} of {}{because}", t.name),
        cmd(json!({ "dropIndexes": name, "index": index })),
    )
    .outside_transaction()
    .with_inverse(cmd(json!({ "createIndexes": name, "indexes": [spec] })))
}
