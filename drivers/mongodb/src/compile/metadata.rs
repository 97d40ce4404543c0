//! A collection's definition as strata keeps it (`Table::definition`: its options, strata's
//! metadata, the user's validator) and the `collMod` that changes it: what every step that
//! changes a column or a relation writes, with the previous definition as its inverse.

use serde_json::{json, Value as Json};
use strata_core::schema::{ConstraintKind, Table};
use strata_core::{Action, ActionKind, StepContext};

use super::cmd;
use crate::meta::{self, CollectionMeta, ColumnMeta, Relation};

/// The parts of the definition `inspect` stored: collection options and strata's metadata.
pub(super) fn definition(t: &Table) -> Json {
    t.definition
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Json::Null)
}

/// Whether strata already manages the collection.
pub(super) fn managed(t: &Table) -> bool {
    parts(t).meta.is_some()
}

/// What a step reads of a collection's definition besides strata's own validator and
/// column lists, which hold every field: parsed without building those (a step on a
/// collection of a thousand fields would otherwise rebuild them several times).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(super) struct Parts {
    meta: Option<MetaParts>,
    options: OptionParts,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(super) struct MetaParts {
    user_validator: Option<Json>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct OptionParts {
    validation_level: Option<Json>,
    validation_action: Option<Json>,
}

pub(super) fn parts(t: &Table) -> Parts {
    t.definition
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default()
}

/// The user's own validator: kept in strata's metadata, or, before strata manages the
/// collection, its current one.
pub(super) fn user_validator(t: &Table, parts: &Parts) -> Option<Json> {
    match &parts.meta {
        Some(m) => m.user_validator.clone().filter(Json::is_object),
        None => user_validator_in(&definition(t)),
    }
}

/// [`user_validator`], of a definition already parsed whole.
pub(super) fn user_validator_in(def: &Json) -> Option<Json> {
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
pub(super) fn meta_with(t: &Table, user_validator: Option<Json>) -> CollectionMeta {
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
pub(super) fn referencing<'a>(
    ctx: &StepContext<'a>,
    t: &Table,
) -> Vec<(&'a Table, CollectionMeta)> {
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
pub(super) fn schema_action(
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
