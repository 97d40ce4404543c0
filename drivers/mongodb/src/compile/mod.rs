//! Steps → command documents on MongoDB. Every command is idempotent — creating what exists,
//! dropping what is gone, `$out` and `$merge` copies, updates whose filter excludes what they
//! already changed — so an interrupted action is simply run again.

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_unique;
mod assert;
mod backfill;
mod change_type;
mod columns;
mod create_table;
mod drop_column;
mod drop_default;
mod drop_foreign_key;
mod drop_index;
mod drop_not_null;
mod drop_table;
mod earlier;
#[cfg(test)]
mod golden;
mod indexes;
mod keys;
mod rename_column;
mod rename_table;
mod set_default;
mod set_not_null;
mod simulate;
mod sql;
mod writes;

pub(crate) use add_foreign_key::orphans;
use serde_json::{json, Value as Json};
pub use simulate::simulate;
use strata_core::preflight::Rules;
use strata_core::schema::{ConstraintKind, Table};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext, StepKind};
use strata_core::{Refusal, RefusalKind};

use crate::connection::Session;
use crate::meta::{self, CollectionMeta, ColumnMeta, Relation};

/// What MongoDB does not take in a collection name: `$` (a dot reads as a schema, which
/// MongoDB has none of, and is refused as such; fields have their own rules, checked with
/// each step).
fn forbidden_name(what: &str, name: &str) -> Option<String> {
    (what == "table name" && name.contains('$'))
        .then(|| "MongoDB collection names may not contain `$`".into())
}

/// What MongoDB allows in names (a namespace is at most 255 bytes with its database).
pub const RULES: Rules = Rules {
    engine: "MongoDB",
    max_name: 120,
    name_in_bytes: true,
    schemas: false,
    row_ids: true,
    forbidden: forbidden_name,
};

/// Why MongoDB would not read `name` as the one top-level field strata means in the filters,
/// `$set`/`$unset` paths and `"$field"` expressions it writes (MongoDB allows such names in
/// stored documents from 5.0 on, but not in those places); `None` for a plain name.
fn path_like(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("an empty name is no field path")
    } else if name.contains('.') {
        Some("MongoDB reads a \".\" in a field name as a path into an embedded document")
    } else if name.starts_with('$') {
        Some("MongoDB reads a leading \"$\" as an operator in a filter or update, and as a variable in an expression")
    } else if name.contains('\0') {
        Some("a NUL ends a name in BSON")
    } else {
        None
    }
}

/// The refusal of a step naming a field strata cannot address (see [`path_like`]): every
/// field it names, existing or new, backfill `set` and `where` keys included.
fn unaddressable(step: &StepKind) -> Option<String> {
    let one = |c: &String| vec![c.clone()];
    let names: Vec<String> = match step {
        StepKind::CreateTable(s) => s.columns.iter().map(|c| c.name.clone()).collect(),
        StepKind::AddColumn(s) => one(&s.column),
        StepKind::DropColumn(s) => one(&s.column),
        StepKind::RenameColumn(s) => vec![s.column.clone(), s.to.clone()],
        StepKind::ChangeType(s) => one(&s.column),
        StepKind::SetNotNull(s) => one(&s.column),
        StepKind::DropNotNull(s) => one(&s.column),
        StepKind::SetDefault(s) => one(&s.column),
        StepKind::DropDefault(s) => one(&s.column),
        StepKind::AddForeignKey(s) => s
            .columns
            .iter()
            .chain(&s.references.columns)
            .cloned()
            .collect(),
        StepKind::AddIndex(s) => s.columns.clone(),
        StepKind::AddUnique(s) => s.columns.clone(),
        StepKind::Backfill(s) => s.columns().cloned().collect(),
        StepKind::DropTable(_)
        | StepKind::RenameTable(_)
        | StepKind::DropForeignKey(_)
        | StepKind::DropIndex(_)
        | StepKind::Sql(_)
        | StepKind::Assert(_) => Vec::new(),
    };
    names.iter().find_map(|n| {
        path_like(n).map(|why| {
            format!(
                "field \"{n}\": {why}, so strata's filters, updates and expressions would address another field; rename it first with a `sql` step (an update pipeline reaches it with `$getField` and `$setField`)"
            )
        })
    })
}

/// What MongoDB's analysis of a step reads: the session.
pub struct Analyzer<'a> {
    session: &'a Session,
}

/// MongoDB's compilation of a step, which reads nothing beyond the step and its schema.
pub struct Compiler;

/// Compiles one step.
pub fn compile(ctx: StepContext<'_>) -> Result<Vec<Action>> {
    if let Some(m) = unaddressable(&ctx.step.kind) {
        return Err(ctx.error(m));
    }
    strata_core::driver::compile_step(&Compiler, ctx)
}

/// Analyzes one step on the live data.
pub async fn analyze(session: &Session, ctx: StepContext<'_>) -> Result<Analysis> {
    if let Some(m) = unaddressable(&ctx.step.kind) {
        return Ok(Analysis::refused(Refusal::new(RefusalKind::Name, m)));
    }
    strata_core::driver::analyze_step(&Analyzer { session }, ctx).await
}

/// The analysis of a step that only checks the schema: refused, or sized by its table.
fn of(checked: strata_core::preflight::Checked<&Table>) -> Analysis {
    checked.map_or_else(Analysis::refused, Analysis::of_table)
}

/// Refuses a step that would break the views `users` that name the field `field`.
fn breaks(
    users: Vec<String>,
    what: &str,
    field: &str,
    done: &str,
) -> strata_core::preflight::Checked<()> {
    if users.is_empty() {
        return Ok(());
    }
    Err(Refusal::new(RefusalKind::Dependents, format!(
        "{} name {what} \"{field}\" in their pipelines and would break once it is {done}; drop them first (sql step) and re-create them after",
        users.join(", ")
    )))
}

/// A command statement.
fn cmd(v: Json) -> Statement {
    Statement::Command(v)
}

/// The parts of the definition `inspect` stored: collection options and strata's metadata.
fn definition(t: &Table) -> Json {
    t.definition
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Json::Null)
}

/// Whether strata already manages the collection.
fn managed(t: &Table) -> bool {
    parts(t).meta.is_some()
}

/// What a step reads of a collection's definition besides strata's own validator and
/// column lists, which hold every field: parsed without building those (a step on a
/// collection of a thousand fields would otherwise rebuild them several times).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Parts {
    meta: Option<MetaParts>,
    options: OptionParts,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct MetaParts {
    user_validator: Option<Json>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct OptionParts {
    validation_level: Option<Json>,
    validation_action: Option<Json>,
}

fn parts(t: &Table) -> Parts {
    t.definition
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default()
}

/// The user's own validator: kept in strata's metadata, or, before strata manages the
/// collection, its current one.
fn user_validator(t: &Table, parts: &Parts) -> Option<Json> {
    match &parts.meta {
        Some(m) => m.user_validator.clone().filter(Json::is_object),
        None => user_validator_in(&definition(t)),
    }
}

/// [`user_validator`], of a definition already parsed whole.
fn user_validator_in(def: &Json) -> Option<Json> {
    let v = if def["meta"].is_null() {
        &def["options"]["validator"]
    } else {
        &def["meta"]["user_validator"]
    };
    v.as_object().map(|o| Json::Object(o.clone()))
}

/// strata's metadata for the table as it stands in the snapshot.
pub(crate) fn meta_of(t: &Table) -> CollectionMeta {
    meta_with(t, user_validator(t, &parts(t)))
}

/// [`meta_of`], with the user's validator already read.
fn meta_with(t: &Table, user_validator: Option<Json>) -> CollectionMeta {
    CollectionMeta {
        columns: t
            .columns
            .iter()
            .map(|c| ColumnMeta {
                name: c.name.clone(),
                ty: c.portable.unwrap_or(strata_core::PortableType::Json),
                nullable: c.nullable,
                default: c
                    .default
                    .as_deref()
                    .map(|d| serde_json::from_str(d).unwrap_or(Json::String(d.to_owned()))),
            })
            .collect(),
        primary_key: t.primary_key.clone(),
        relations: t
            .constraints
            .iter()
            .filter(|c| c.kind == ConstraintKind::ForeignKey)
            .map(|c| {
                serde_json::from_str(&c.definition).unwrap_or_else(|_| Relation {
                    name: c.name.clone(),
                    columns: c.columns.clone(),
                    references: c
                        .references
                        .as_ref()
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                    ref_columns: Vec::new(),
                    on_delete: "no_action".into(),
                })
            })
            .collect(),
        user_validator,
    }
}

/// The collections whose recorded relations reference `t` (`t` itself among them when one
/// of its own does), with their metadata.
fn referencing<'a>(ctx: &StepContext<'a>, t: &Table) -> Vec<(&'a Table, CollectionMeta)> {
    // The name as the relation's JSON holds it; the text test only spares parsing every
    // collection's definition (its whole validator), the metadata decides.
    let quoted = Json::String(t.name.name.clone()).to_string();
    let relates = |o: &Table| {
        o.constraints.iter().any(|c| {
            c.kind == ConstraintKind::ForeignKey
                && (c.definition.contains(&quoted)
                    || c.references.as_ref().is_some_and(|r| r.name == t.name.name))
        })
    };
    ctx.snapshot
        .tables
        .values()
        .filter(|o| relates(o))
        .map(|o| (&**o, meta_of(o)))
        .filter(|(_, m)| m.relations.iter().any(|r| r.references == t.name.name))
        .collect()
}

/// An action making `t`'s metadata and validator `new`; its inverse puts back what was.
fn schema_action(
    ctx: &StepContext<'_>,
    t: &Table,
    new: &CollectionMeta,
    description: String,
) -> Action {
    let name = &t.name.name;
    let parts = parts(t);
    let user = user_validator(t, &parts);
    let mut inverse = if parts.meta.is_some() {
        meta::set(name, Some(&meta_with(t, user)), None)
    } else {
        meta::set(name, None, user.as_ref())
    };
    // strata's validator is strict; the collection's own level and action come back with it.
    let options = &parts.options;
    for c in inverse.as_array_mut().into_iter().flatten() {
        if c.get("collMod").is_some() {
            c["validationLevel"] = options
                .validation_level
                .clone()
                .unwrap_or_else(|| json!("strict"));
            c["validationAction"] = options
                .validation_action
                .clone()
                .unwrap_or_else(|| json!("error"));
        }
    }
    Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        description,
        cmd(meta::set(name, Some(new), None)),
    )
    .with_inverse(cmd(inverse))
    .outside_transaction()
}

/// The most documents an update may touch inside one transaction: MongoDB bounds a
/// transaction's life (60 s by default) and size.
pub const TRANSACTION_DOCUMENTS: u64 = 100_000;

/// An `update` action on `t`: in one transaction with its journal entry where the server has
/// transactions and the collection is small enough; otherwise journaled and idempotent.
fn dml(action: Action, t: &Table) -> Action {
    if t.rows <= TRANSACTION_DOCUMENTS {
        action
    } else {
        action.outside_transaction()
    }
}

/// `"$field"`.
fn field(name: &str) -> String {
    format!("${name}")
}

/// The document's fields in order, as `{k, v}` pairs (`$objectToArray` keeps the order).
fn pairs() -> Json {
    json!({ "$objectToArray": "$$ROOT" })
}

/// The document's fields but `name`, as `{k, v}` pairs in order.
fn pairs_but(name: &str) -> Json {
    json!({ "$filter": { "input": pairs(), "cond": { "$ne": ["$$this.k", { "$literal": name }] } } })
}

/// A projection of `fields` with, for each, whether the document lacked it and where it
/// stood (its index among the document's fields, `_id` first; -1 when it lacked it).
fn with_markers(fields: &[String]) -> Json {
    let mut p = serde_json::Map::new();
    for f in fields {
        p.insert(f.clone(), json!(1));
        p.insert(
            format!("__strata_missing_{f}"),
            json!({ "$eq": [{ "$type": field(f) }, "missing"] }),
        );
        p.insert(
            format!("__strata_at_{f}"),
            json!({ "$indexOfArray": [{ "$map": { "input": pairs(), "in": "$$this.k" } }, { "$literal": f }] }),
        );
    }
    Json::Object(p)
}

/// The update-pipeline stage renaming the top-level field `from` to `to` where it stands.
/// `$rename` is an `$unset` and a `$set`, which moves the field to the end of the document
/// (MongoDB: it "may not preserve the order of the fields"), and the order of a document's
/// fields is part of it (`{a: 1, b: 2}` does not equal `{b: 2, a: 1}`). Unlike `$rename`, it
/// is for documents that lack `to`: the update's filter leaves out those that hold one,
/// whose value a rename would replace.
fn rename_in_place(from: &str, to: &str) -> Json {
    json!({ "$replaceWith": { "$arrayToObject": { "$map": { "input": pairs(), "in": {
        "k": { "$cond": [{ "$eq": ["$$this.k", { "$literal": from }] }, { "$literal": to }, "$$this.k"] },
        "v": "$$this.v"
    } } } } })
}

/// The `$merge` putting `fields` of the backup documents back into `target`: a field the
/// document lacked is removed again, and one it held goes back where it stood — a `$set` of
/// a field the document no longer has (a dropped one) appends it, so a second stage moves it
/// to the index the backup recorded. (A backup without positions leaves it where it is.)
fn restore(bak: &str, target: &str, fields: &[String]) -> Json {
    let mut set = serde_json::Map::new();
    for f in fields {
        set.insert(
            f.clone(),
            json!({ "$cond": [{ "$eq": [format!("$$new.__strata_missing_{f}"), true] }, "$$REMOVE", format!("$$new.{f}")] }),
        );
    }
    let mut stages = vec![json!({ "$set": set })];
    for f in fields {
        let at = format!("$$new.__strata_at_{f}");
        let own = json!({ "$filter": { "input": pairs(), "cond": { "$eq": ["$$this.k", { "$literal": f }] } } });
        let placed = json!({ "$let": {
            "vars": { "others": pairs_but(f) },
            "in": { "$arrayToObject": { "$concatArrays": [
                { "$slice": ["$$others", at] },
                own,
                { "$slice": ["$$others", at, { "$add": [{ "$size": "$$others" }, 1] }] }
            ] } }
        } });
        // `_id` stands first, so a position is at least 1.
        stages.push(json!({ "$replaceWith": { "$cond": [{ "$gt": [at, 0] }, placed, "$$ROOT"] } }));
    }
    json!({
        "aggregate": bak,
        "pipeline": [{ "$merge": { "into": target, "on": "_id", "whenMatched": stages, "whenNotMatched": "discard" } }],
        "bypassDocumentValidation": true
    })
}

/// A backup: the documents `selection` yields from `source`, copied server-side to `bak`
/// (`$out`), then verified document by document against a fresh run of the selection. The
/// backup's inverse runs `restore` and drops the copy.
fn backup(
    ctx: &StepContext<'_>,
    source: &str,
    selection: Vec<Json>,
    bak: &str,
    what: &str,
    restore: Vec<Json>,
) -> Vec<Action> {
    let step = ctx.step.index;
    let mut copy = selection.clone();
    copy.push(json!({ "$out": bak }));
    let mut inverse = restore;
    inverse.push(json!({ "drop": bak }));
    let mut check = selection;
    check.extend([
        json!({ "$project": { "_id": 0, "d": "$$ROOT" } }),
        json!({ "$lookup": { "from": bak, "localField": "d._id", "foreignField": "_id", "as": "b" } }),
        json!({ "$match": { "$expr": { "$ne": ["$d", { "$arrayElemAt": ["$b", 0] }] } } }),
        json!({ "$count": "n" }),
    ]);
    vec![
        Action::new(
            step,
            ActionKind::Backup,
            format!("back up {what} to {bak}"),
            // Then created, when it is not there: `$out` of a selection that yields no
            // document may leave no collection at all (some servers drop the target and make
            // none), and `strata verify` and `strata restore` look for the empty backup.
            cmd(json!([{ "aggregate": source, "pipeline": copy }, { "create": bak }])),
        )
        .with_inverse(cmd(Json::Array(inverse)))
        .creates_backup(bak)
        .outside_transaction(),
        Action::check(
            step,
            ActionKind::Verify,
            format!("verify backup {bak} (every document)"),
            cmd(json!({ "aggregate": source, "pipeline": check })),
            0,
            format!("the backup {bak} does not match {what}"),
        ),
    ]
}

/// One batch of an update, server-side: at most `size` documents matching `filter` get the
/// fields of `set` (expressions over the document; a `$merge` on `_id` whose `whenMatched`
/// pipeline sets them); the statement then counts the documents still matching, so the runner
/// repeats it until none is left.
fn batch(collection: &str, filter: &Json, set: Json, size: u32) -> Statement {
    cmd(json!([
        {
            "aggregate": collection,
            "pipeline": [
                { "$match": filter }, { "$limit": size }, { "$project": { "_id": 1 } },
                { "$merge": { "into": collection, "on": "_id", "whenMatched": [{ "$set": set }], "whenNotMatched": "discard" } }
            ],
            "bypassDocumentValidation": true
        },
        { "count": collection, "query": filter }
    ]))
}

/// Counts each collision of `collisions` (on `collection`): the refusal of the first that
/// any key would repeat in, `what` being written.
async fn collide(
    session: &Session,
    t: &Table,
    collection: &str,
    collisions: &[writes::Collision],
    what: &str,
) -> Result<Option<String>> {
    for c in collisions {
        let q = count_command(collection, c.pipeline.clone());
        let n = session.count(&q).await?;
        if n > 0 {
            return Ok(Some(c.refusal(t, what, n)));
        }
    }
    Ok(None)
}

/// A count of the documents of `collection` that `pipeline` yields, as a statement (for an
/// action).
fn count(collection: &str, pipeline: Vec<Json>) -> Statement {
    cmd(count_command(collection, pipeline))
}

/// The command of [`count`], for the analysis to run now.
pub(crate) fn count_command(collection: &str, mut pipeline: Vec<Json>) -> Json {
    pipeline.push(json!({ "$count": "n" }));
    json!({ "aggregate": collection, "pipeline": pipeline })
}

/// Up to five `key: value` examples of documents matching `filter`.
async fn examples(session: &Session, t: &Table, filter: Json, value: &str) -> Result<Vec<String>> {
    let key = t
        .primary_key
        .first()
        .cloned()
        .unwrap_or_else(|| "_id".into());
    let docs = session
        .cursor(crate::bsonx::document(&json!({ "aggregate": t.name.name, "pipeline": [{ "$match": filter }, { "$limit": 5 }] }))?)
        .await?;
    Ok(docs
        .iter()
        .map(|d| {
            let k = d.get(&key).map(|b| b.to_string()).unwrap_or_default();
            let v = d
                .get(value)
                .map(|b| b.to_string())
                .unwrap_or_else(|| "missing".into());
            format!("{key}={k}: {v}")
        })
        .collect())
}

/// Whether the `$jsonSchema` validator `definition` (JSON text) lists `field` in a
/// `required` of its own or of a schema it combines (`allOf`, `$and`, …).
pub(crate) fn required_by(definition: &str, field: &str) -> bool {
    fn lists(v: &Json, field: &str) -> bool {
        match v {
            Json::Object(o) => o.iter().any(|(k, v)| match (k.as_str(), v) {
                ("required", Json::Array(names)) => names.iter().any(|n| n == field),
                ("properties", _) => false,
                _ => lists(v, field),
            }),
            Json::Array(items) => items.iter().any(|v| lists(v, field)),
            _ => false,
        }
    }
    serde_json::from_str::<Json>(definition).is_ok_and(|v| lists(&v, field))
}
