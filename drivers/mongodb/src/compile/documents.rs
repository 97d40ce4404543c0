//! What MongoDB's steps do to documents: updates in batches (in a transaction up to
//! [`TRANSACTION_DOCUMENTS`]), backups with `$out` keyed by `_id` and their restore with
//! `$merge`, counts in one aggregation, key collisions counted first, and the examples a plan
//! shows.

use serde_json::{json, Value as Json};
use strata_core::schema::Table;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::{cmd, writes};
use crate::connection::Session;

/// The most documents an update may touch inside one transaction: MongoDB bounds a
/// transaction's life (60 s by default) and size.
pub const TRANSACTION_DOCUMENTS: u64 = 100_000;

/// An `update` action on `t`: in one transaction with its journal entry where the server has
/// transactions and the collection is small enough; otherwise journaled and idempotent.
pub(super) fn dml(action: Action, t: &Table) -> Action {
    if t.rows <= TRANSACTION_DOCUMENTS {
        action
    } else {
        action.outside_transaction()
    }
}

/// `"$field"`.
pub(super) fn field(name: &str) -> String {
    format!("${name}")
}

/// The document's fields in order, as `{k, v}` pairs (`$objectToArray` keeps the order).
pub(super) fn pairs() -> Json {
    json!({ "$objectToArray": "$$ROOT" })
}

/// The document's fields but `name`, as `{k, v}` pairs in order.
pub(super) fn pairs_but(name: &str) -> Json {
    json!({ "$filter": { "input": pairs(), "cond": { "$ne": ["$$this.k", { "$literal": name }] } } })
}

/// A projection of `fields` with, for each, whether the document lacked it and where it
/// stood (its index among the document's fields, `_id` first; -1 when it lacked it).
pub(super) fn with_markers(fields: &[String]) -> Json {
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
pub(super) fn rename_in_place(from: &str, to: &str) -> Json {
    json!({ "$replaceWith": { "$arrayToObject": { "$map": { "input": pairs(), "in": {
        "k": { "$cond": [{ "$eq": ["$$this.k", { "$literal": from }] }, { "$literal": to }, "$$this.k"] },
        "v": "$$this.v"
    } } } } })
}

/// The `$merge` putting `fields` of the backup documents back into `target`: a field the
/// document lacked is removed again, and one it held goes back where it stood — a `$set` of
/// a field the document no longer has (a dropped one) appends it, so a second stage moves it
/// to the index the backup recorded. (A backup without positions leaves it where it is.)
pub(super) fn restore(bak: &str, target: &str, fields: &[String]) -> Json {
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
pub(super) fn backup(
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
pub(super) fn batch(collection: &str, filter: &Json, set: Json, size: u32) -> Statement {
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
pub(super) async fn collide(
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
pub(super) fn count(collection: &str, pipeline: Vec<Json>) -> Statement {
    cmd(count_command(collection, pipeline))
}

/// The command of [`count`], for the analysis to run now.
pub(crate) fn count_command(collection: &str, mut pipeline: Vec<Json>) -> Json {
    pipeline.push(json!({ "$count": "n" }));
    json!({ "aggregate": collection, "pipeline": pipeline })
}

/// Up to five `key: value` examples of documents matching `filter`.
pub(super) async fn examples(
    session: &Session,
    t: &Table,
    filter: Json,
    value: &str,
) -> Result<Vec<String>> {
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
