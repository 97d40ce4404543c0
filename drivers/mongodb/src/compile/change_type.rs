//! `change_type` on MongoDB: values that will not convert (by `$convert`, or to `bool` by the
//! SQL drivers' rule) or would change (a number rounded to an integer, a string longer than
//! `string(n)`, a number as a date outside the years 1 to 9999) are counted first; the field's values are backed up with their `_id`; the
//! validator takes the new type; a pipeline update converts every value; each is verified
//! against its backed-up original. Rollback puts the old validator back and restores every
//! original value with its BSON type.

use serde_json::{json, Value as Json};
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::{ChangeType, OnIncompatible};
use strata_core::{Action, ActionKind, Analysis, PortableType, Result, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{
    backup, batch, count, count_command, examples, meta_of, restore, schema_action, with_markers,
    Analyzer, Compiler, RULES,
};
use crate::bsonx;

/// The `$convert` target for a portable type: its BSON type (`None` for `json`).
fn target(ty: PortableType) -> Option<&'static str> {
    crate::meta::bson_type(ty)
}

const ERROR: &str = "__strata_error__";

/// `input` converted to `ty`, `on_error` where it will not convert. Binary data converts to
/// `bytes` only, and only binary data does: `$convert` knows `binData` from MongoDB 8.0 on
/// (from strings and numbers, with a `format`), and an unknown target is an error of the
/// whole command, which `onError` does not catch.
fn convert(input: &str, ty: PortableType, on_error: Json) -> Json {
    let binary = json!({ "$eq": [{ "$type": input }, "binData"] });
    match target(ty) {
        Some("binData") => {
            json!({ "$cond": [binary, input, { "$cond": [{ "$in": [{ "$type": input }, ["null", "missing"]] }, null, on_error] }] })
        }
        Some("bool") => to_bool(input, on_error),
        Some(to) => json!({ "$cond": [binary, on_error.clone(), {
            "$convert": { "input": input, "to": to, "onError": on_error, "onNull": null }
        }] }),
        None => json!(input),
    }
}

/// `input` as a bool, converted as the SQL drivers convert to one: a bool as it is, the
/// numbers 0 and 1, the strings "true", "false", "1" and "0" in any case, spaces around
/// them trimmed; `on_error` for anything else. `$convert` to bool makes every string true
/// ("false" and "" too), every date true and every number but 0 true. (`$switch` evaluates
/// only the branch that matches, so `$trim` meets strings only.)
fn to_bool(input: &str, on_error: Json) -> Json {
    let ty = json!({ "$type": input });
    let text = json!({ "$toLower": { "$trim": { "input": input, "chars": " " } } });
    let either = |t: Json, f: Json| {
        json!({ "$switch": { "branches": [
            { "case": t, "then": true },
            { "case": f, "then": false },
        ], "default": on_error.clone() } })
    };
    json!({ "$switch": { "branches": [
        { "case": { "$in": [ty.clone(), ["null", "missing"]] }, "then": null },
        { "case": { "$eq": [ty.clone(), "bool"] }, "then": input },
        { "case": { "$in": [ty.clone(), ["int", "long", "double", "decimal"]] },
          "then": either(json!({ "$eq": [input, 1] }), json!({ "$eq": [input, 0] })) },
        { "case": { "$eq": [ty, "string"] },
          "then": either(json!({ "$in": [text.clone(), ["true", "1"]] }), json!({ "$in": [text, ["false", "0"]] })) },
    ], "default": on_error } })
}

/// True when the value at `input` (a field path or variable) will not convert to `ty`, or
/// would change.
fn incompatible(input: &str, ty: PortableType) -> Json {
    let present =
        json!({ "$and": [{ "$ne": [{ "$type": input }, "missing"] }, { "$ne": [input, null] }] });
    let fails = json!({ "$eq": [convert(input, ty, json!(ERROR)), ERROR] });
    let changes = match ty {
        t if t.is_integer() => json!({ "$and": [
            { "$in": [{ "$type": input }, ["double", "decimal"]] },
            { "$ne": [{ "$toDecimal": input }, { "$toDecimal": convert(input, ty, json!(null)) }] }
        ] }),
        PortableType::String { len } => {
            json!({ "$gt": [{ "$strLenCP": { "$convert": { "input": input, "to": "string", "onError": "" } } }, len] })
        }
        // A decimal128 keeps every digit: the portable `decimal(p,s)` holds a value only when
        // it has no more than `s` places (a value that would round changes, as on the SQL
        // engines) and fewer than `p - s` digits before the point.
        PortableType::Decimal { precision, scale } => {
            let value = convert(input, ty, json!(null));
            let limit = format!("1e{}", precision.saturating_sub(scale));
            json!({ "$and": [
                { "$ne": [value.clone(), null] },
                { "$or": [
                    { "$ne": [{ "$round": [value.clone(), i32::from(scale)] }, value.clone()] },
                    { "$gte": [{ "$abs": value }, { "$toDecimal": limit }] },
                ] },
            ] })
        }
        _ if target(ty) == Some("date") => out_of_calendar(input),
        _ => json!(false),
    };
    json!({ "$and": [present, { "$or": [fails, changes] }] })
}

/// The first and last millisecond of the years 1 to 9999, the dates every engine strata
/// drives can hold (MySQL's `DATETIME` ends at 9999, PostgreSQL's `date` starts before 1).
const CALENDAR_MS: (i64, i64) = (-62_135_596_800_000, 253_402_300_799_999);

/// True when the number at `input`, read as milliseconds since the epoch (as `$convert`
/// makes a date of it), falls outside the years 1 to 9999: a `long` converts to a date as
/// far as year 292 million, which no other engine, and few drivers, can read back.
fn out_of_calendar(input: &str) -> Json {
    let (first, last) = CALENDAR_MS;
    json!({ "$and": [
        { "$in": [{ "$type": input }, ["int", "long", "double", "decimal"]] },
        { "$or": [{ "$lt": [input, first] }, { "$gt": [input, last] }] }
    ] })
}

/// The value a document must hold afterwards, from its original at `input`.
fn converted(input: &str, s: &ChangeType, replacement: &Json) -> Json {
    json!({ "$cond": [incompatible(input, s.to), replacement, convert(input, s.to, json!(null))] })
}

fn replacement(s: &ChangeType) -> Json {
    match (s.on_incompatible, &s.default) {
        (OnIncompatible::UseDefault, Some(d)) => bsonx::value(d, Some(s.to)),
        _ => Json::Null,
    }
}

/// Why the step's `default` cannot stand for the values that will not convert: it must be
/// a value of the new type itself (else the field would hold what the validator refuses, and
/// the conversion would never be done with it).
fn unfit_default(s: &ChangeType) -> Option<String> {
    let (OnIncompatible::UseDefault, Some(d)) = (s.on_incompatible, &s.default) else {
        return None;
    };
    let to = target(s.to)?;
    let value = bsonx::literal(d, Some(s.to));
    let fits = match (&value, s.to) {
        (mongodb::bson::Bson::String(v), PortableType::String { len }) => {
            v.chars().count() <= len as usize
        }
        (_, PortableType::Int16) => d.as_i64().is_some_and(|i| i16::try_from(i).is_ok()),
        (_, PortableType::Int32) => d.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        (v, _) => crate::meta::bson_type_of(v) == Some(to),
    };
    (!fits).then(|| format!("`default` {d} is not a value of type {}", s.to))
}

/// What converting `field` could break: the unique indexes over it, once every value is
/// as converted.
fn collisions(
    t: &strata_core::schema::Table,
    field: &str,
    s: &ChangeType,
) -> Vec<super::writes::Collision> {
    let mut set = serde_json::Map::new();
    set.insert(
        field.to_owned(),
        super::writes::written(
            field,
            super::writes::present(field),
            converted(&format!("${field}"), s, &replacement(s)),
        ),
    );
    super::writes::collisions(t, &[], &set)
}

impl AnalyzeKind<ChangeType> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Analysis> {
        let session = self.session;
        let (t, c) = match s.preflight(ctx.snapshot, &RULES, "mongodb").and_then(|x| {
            unfit_default(s).map_or(Ok(x), |m| Err(Refusal::new(RefusalKind::Incompatible, m)))
        }) {
            Err(m) => return Ok(Analysis::refused(m)),
            Ok(x) => x,
        };
        let mut a = Analysis::of_table(t);
        if c.portable == Some(s.to) {
            a.warnings.push(format!(
                "field \"{}\" is already {}; nothing to do",
                c.name, s.to
            ));
            return Ok(a);
        }
        let collisions = collisions(t, &c.name, s);
        if s.on_incompatible == OnIncompatible::Fail || !collisions.is_empty() {
            let at_step = super::earlier::table(&ctx).unwrap_or_else(|| s.table.clone());
            let read = super::writes::with_keys(t, std::slice::from_ref(&c.name));
            if let Some(m) =
                super::earlier::changed(&ctx, &[super::earlier::Read::of(&at_step, &read)])
            {
                return Ok(Analysis::refused(Refusal::unsupported(m)));
            }
        }
        let what = format!("the values of {}.{} converted to {}", t.name, c.name, s.to);
        if let Some(m) = super::collide(session, t, &t.name.name, &collisions, &what).await? {
            return Ok(Analysis::refused(Refusal::new(RefusalKind::Conflict, m)));
        }
        let filter = json!({ "$expr": incompatible(&format!("${}", c.name), s.to) });
        let q = count_command(&t.name.name, vec![json!({ "$match": filter.clone() })]);
        let n = session.count(&q).await? as u64;
        let shown = if n > 0 {
            examples(session, t, filter, &c.name).await?
        } else {
            vec![]
        };
        a.findings
            .push(strata_core::preflight::incompatible_finding(
                s, t, &c.name, n, shown,
            ));
        Ok(a)
    }
}

impl CompileKind<ChangeType> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Vec<Action>> {
        let (t, c) = s
            .preflight(ctx.snapshot, &RULES, "mongodb")
            .and_then(|x| {
                unfit_default(s).map_or(Ok(x), |m| Err(Refusal::new(RefusalKind::Incompatible, m)))
            })
            .map_err(|m| ctx.error(m))?;
        if c.portable == Some(s.to) {
            return Ok(Vec::new());
        }
        let step = ctx.step.index;
        let name = &t.name.name;
        let path = format!("${}", c.name);
        let fields = vec![c.name.clone()];
        let present = json!({ &c.name: { "$exists": true, "$ne": null } });
        let bak = ctx.backup_name(&t.name, Some(&c.name)).name;
        let mut actions = backup(
            &ctx,
            name,
            vec![
                json!({ "$match": present.clone() }),
                json!({ "$project": with_markers(&fields) }),
            ],
            &bak,
            &format!("{name}.{} with its _id", c.name),
            vec![restore(&bak, name, &fields)],
        );
        if s.on_incompatible == OnIncompatible::Fail {
            actions.push(Action::check(
                step,
                ActionKind::Check,
                format!("no value of {name}.{} fails to convert to {}", c.name, s.to),
                count(
                    name,
                    vec![json!({ "$match": { "$expr": incompatible(&path, s.to) } })],
                ),
                0,
                format!(
                    "values of {name}.{} will not convert to {} (on_incompatible = \"fail\")",
                    c.name, s.to
                ),
            ));
        }
        let what = format!("the values of {}.{} converted to {}", t.name, c.name, s.to);
        for collision in collisions(t, &c.name, s) {
            actions.push(collision.check(&ctx, t, name, &what));
        }
        let mut meta = meta_of(t);
        for m in meta.columns.iter_mut().filter(|m| m.name == c.name) {
            m.ty = s.to;
        }
        actions.push(schema_action(
            &ctx,
            t,
            &meta,
            format!("give {name}.{} the type {} in the validator", c.name, s.to),
        ));
        let value = converted(&path, s, &replacement(s));
        // Documents still to convert: present and not yet as converted — of another BSON type, or
        // of the same one but another value (a string longer than `string(n)`). A converted value
        // or a default converts to itself, and a value set to null leaves the batch, so the
        // batches end.
        if target(s.to).is_some() {
            let pending = json!({ &c.name: { "$exists": true, "$ne": null }, "$expr": { "$let": {
            "vars": { "want": value.clone() },
            "in": { "$or": [
                { "$ne": [{ "$type": path.clone() }, { "$type": "$$want" }] },
                { "$ne": [path.clone(), "$$want"] }
            ] }
        } } });
            let mut update = Action::new(
                step,
                ActionKind::Backfill,
                format!(
                    "convert the values of {name}.{} to {}, in {}",
                    c.name,
                    s.to,
                    strata_core::batches::describe_default()
                ),
                batch(
                    name,
                    &pending,
                    json!({ &c.name: value }),
                    strata_core::batches::DEFAULT_ROWS,
                ),
            )
            .restored_by_backup()
            .sized_by_time(strata_core::batches::DEFAULT_MS)
            .outside_transaction();
            if s.on_incompatible != OnIncompatible::Fail {
                update = update.destructive();
            }
            actions.push(update);
        }
        let original = format!("$b.{}", c.name);
        actions.push(Action::check(
        step,
        ActionKind::Verify,
        format!("verify every value of {name}.{} against its original", c.name),
        count(
            name,
            vec![
                json!({ "$lookup": { "from": bak, "localField": "_id", "foreignField": "_id", "as": "b" } }),
                json!({ "$unwind": "$b" }),
                // Value and BSON type: `$ne` compares numbers by value (`1` equals `1.0`).
                json!({ "$match": { "$expr": { "$let": {
                    "vars": { "want": converted(&original, s, &replacement(s)) },
                    "in": { "$or": [
                        { "$ne": [path.clone(), "$$want"] },
                        { "$ne": [{ "$type": path }, { "$type": "$$want" }] }
                    ] }
                } } } }),
            ],
        ),
        0,
        format!("{name}.{} does not hold the converted original values", c.name),
    ));
        Ok(actions)
    }
}

strata_core::golden_test!("change_type");
