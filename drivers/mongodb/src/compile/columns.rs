//! Column steps on MongoDB: a column is a field described in strata's metadata and validator.

use serde_json::json;
use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::{AddColumn, DropColumn, RenameColumn, SetNotNull};
use strata_core::{
    Action, ActionKind, Analysis, Finding, FindingKind, QualifiedName, Result, StepContext,
};

use super::{
    backup, cmd, collide, count, count_command, dml, earlier, examples, indexes, keys, meta_of,
    rename_in_place, restore, schema_action, with_markers, writes, RULES,
};
use crate::bsonx;
use crate::meta::ColumnMeta;

pub fn compile_add(ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
    let t = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
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

const DEFAULT_OVER: &str = "the default would not be written to them, and rollback would remove their values; add the field without a default, then backfill the documents that lack it";

/// `add_column`; with a default, refused where documents hold the field already.
pub async fn analyze_add(
    session: &crate::connection::Session,
    ctx: StepContext<'_>,
    s: &AddColumn,
) -> Result<Analysis> {
    let t = match s.preflight(ctx.snapshot, &RULES) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    if s.default.is_some() {
        if let Some(m) = refuse_held(session, &ctx, t, &s.column, DEFAULT_OVER).await? {
            return Ok(Analysis::refused(m));
        }
    }
    Ok(Analysis::of_table(t))
}

/// Refuses dropping a field that a recorded relation references (its own relations on the
/// field go with it).
fn referenced<'a>(
    ctx: &StepContext<'a>,
    t: &'a Table,
    field: &str,
) -> std::result::Result<(), String> {
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
    Err(format!(
        "field \"{field}\" of \"{}\" is referenced by relations {}; drop them first with drop_foreign_key",
        t.name,
        users.join(", ")
    ))
}

pub async fn analyze_drop(
    session: &crate::connection::Session,
    ctx: StepContext<'_>,
    s: &DropColumn,
) -> Result<Analysis> {
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
    let handling = if s.backup {
        format!(
            "copied with their _id to {} and verified before the field is removed",
            ctx.backup_name(&t.name, Some(&s.column)).name
        )
    } else {
        "NOT backed up (backup = false): the values are lost".into()
    };
    a.findings.push(Finding {
        kind: FindingKind::RowsDestroyed,
        count: n,
        examples: vec![],
        handling,
        blocking: None,
    });
    Ok(a)
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
    let (t, _) = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
    referenced(&ctx, t, &s.column).map_err(|m| ctx.error(m))?;
    let name = &t.name.name;
    let mut actions = Vec::new();
    // An index does not follow its field away: the indexes keyed on it go with it, as on SQL
    // (a unique one would also refuse every document but one once they all lack the field).
    // They are dropped first, so that rollback builds them again after the values are back.
    for (index, spec) in indexes::keyed_on(t, &s.column) {
        actions.push(keys::drop_index(&ctx, t, &index, spec, Some(&s.column)));
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

/// The stage keeping the documents that hold `field`, null or not.
fn holding(field: &str) -> Vec<serde_json::Value> {
    vec![json!({ "$match": { field: { "$exists": true } } })]
}

/// The refusal of a step that writes `field`, a field the schema does not list, when
/// documents of `t` hold it already: the schema of a collection strata does not manage lists
/// the fields of its first hundred documents only. `why` says what the step would do to
/// them. Not counted when an earlier step of the migration removes the field from every
/// document (the check made at apply time counts it then).
async fn refuse_held(
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
fn none_held(ctx: &StepContext<'_>, t: &Table, field: &str, why: &str) -> Action {
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

const RENAME_ONTO: &str =
    "the rename would replace their values; rename or remove that field first (sql step)";

pub async fn analyze_rename(
    session: &crate::connection::Session,
    ctx: StepContext<'_>,
    s: &RenameColumn,
) -> Result<Analysis> {
    let t = match s.preflight(ctx.snapshot, &RULES) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let users =
        crate::views::naming_field(&crate::views::all(session).await?, &t.name.name, &s.column);
    if let Err(m) = super::breaks(users, "field", &s.column, "renamed") {
        return Ok(Analysis::refused(m));
    }
    if let Some(m) = refuse_held(session, &ctx, t, &s.to, RENAME_ONTO).await? {
        return Ok(Analysis::refused(m));
    }
    Ok(Analysis::of_table(t))
}

pub fn compile_rename(ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
    let t = s
        .preflight(ctx.snapshot, &RULES)
        .map_err(|m| ctx.error(m))?;
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
        actions.push(keys::drop_index(
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

fn nulls(column: &str) -> serde_json::Value {
    json!({ column: null })
}

pub async fn analyze_set_not_null(
    session: &crate::connection::Session,
    ctx: StepContext<'_>,
    s: &SetNotNull,
) -> Result<Analysis> {
    let (t, c) = match RULES.table_column(ctx.snapshot, &s.table, &s.column) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(x) => x,
    };
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
        return Ok(Analysis::refused(m));
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
            return Ok(Analysis::refused(m));
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

pub fn compile_set_not_null(ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
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
