//! The MongoDB definitions a later step of the same migration compiles from, as this step
//! leaves them (`StepCompiler::simulate`, after the planner's portable effect): the specs of the
//! indexes a step makes or renames a field of (a later `drop_index` re-creates an index from
//! its spec on rollback, a later `rename_column` rebuilds it), the relations strata records,
//! and a collection's metadata and validator in `Table::definition`, from which every later
//! change takes its inverse and a rename its validator.

use serde_json::{json, Value as Json};
use strata_core::schema::{ConstraintKind, Index, Snapshot, Table};
use strata_core::steps::Step;
use strata_core::StepKind;

use super::{definition, indexes, meta_with, user_validator_in};
use crate::meta;

/// Brings the MongoDB definitions in `snapshot` up to date after `step`.
pub fn simulate(step: &Step, snapshot: &mut Snapshot) {
    let Some(name) = step.kind.spec().table().map(|t| t.to_string()) else {
        return;
    };
    // Relations name what they reference: the collection, and its fields.
    match &step.kind {
        StepKind::RenameTable(s) => follow(snapshot, &s.table.name, |r| {
            r.references.clone_from(&s.to);
            true
        }),
        StepKind::RenameColumn(s) => follow(snapshot, &s.table.name, |r| {
            let mut changed = false;
            for k in r.ref_columns.iter_mut().filter(|k| **k == s.column) {
                k.clone_from(&s.to);
                changed = true;
            }
            changed
        }),
        _ => {}
    }
    let Some(t) = snapshot.table_mut(&name) else {
        return;
    };
    // Parsed once: the definition holds the whole validator. The columns as the step found
    // them; the step's own effect is already in `t`.
    let mut def = definition(t);
    let before = def.get_mut("columns").map(Json::take).unwrap_or(Json::Null);
    let found = |column: &str| {
        before
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == column)
            .cloned()
            .unwrap_or(Json::Null)
    };
    let mut meta_changed = true;
    match &step.kind {
        StepKind::CreateTable(s) => {
            let unique: Vec<String> = s
                .columns
                .iter()
                .filter(|c| c.unique)
                .map(|c| c.name.clone())
                .collect();
            let primary_key = t.primary_key.clone();
            for spec in super::create_table::key_indexes(&s.table.name, &primary_key, &unique) {
                push_index(t, spec);
            }
        }
        StepKind::AddIndex(s) => {
            let spec = indexes::spec(&s.columns, &s.index_name(), s.unique);
            for i in t.indexes.iter_mut().filter(|i| i.name == s.index_name()) {
                i.definition = spec.to_string();
            }
            meta_changed = false;
        }
        StepKind::AddUnique(s) => {
            // A unique index on MongoDB, not a constraint.
            let name = s.constraint_name();
            t.constraints
                .retain(|c| !(c.kind == ConstraintKind::Unique && c.name == name));
            push_index(t, indexes::spec(&s.columns, &name, true));
            meta_changed = false;
        }
        StepKind::AddForeignKey(s) => {
            let relation = super::add_foreign_key::relation(s);
            for c in t.constraints.iter_mut().filter(|c| c.name == relation.name) {
                c.definition = serde_json::to_string(&relation).unwrap_or_default();
            }
        }
        StepKind::RenameColumn(s) => {
            for i in t.indexes.iter_mut() {
                if let Some(spec) = indexes::spec_of(i) {
                    i.definition = indexes::renamed(&spec, &s.column, &s.to).to_string();
                }
            }
            for c in t
                .constraints
                .iter_mut()
                .filter(|c| c.kind == ConstraintKind::ForeignKey)
            {
                if let Ok(mut r) = serde_json::from_str::<meta::Relation>(&c.definition) {
                    for k in r.columns.iter_mut().filter(|k| **k == s.column) {
                        k.clone_from(&s.to);
                    }
                    c.definition = serde_json::to_string(&r).unwrap_or_default();
                }
            }
        }
        // What compiles to nothing changes nothing (`compile` says so too): a field already
        // of the type, or already required.
        StepKind::ChangeType(s) => {
            meta_changed =
                found(&s.column)["type"] != serde_json::to_value(s.to).unwrap_or_default()
        }
        StepKind::SetNotNull(s) => meta_changed = found(&s.column)["nullable"] != json!(false),
        StepKind::DropColumn(_)
        | StepKind::DropNotNull(_)
        | StepKind::SetDefault(_)
        | StepKind::DropDefault(_)
        | StepKind::AddColumn(_)
        | StepKind::DropForeignKey(_) => {}
        _ => meta_changed = false,
    }
    if meta_changed {
        set_meta(t, &mut def);
    }
    if def.is_object() {
        def["columns"] = meta::columns_view(&t.columns);
        t.definition = Some(def.to_string());
    }
}

/// Applies `change` to every recorded relation referencing collection `referenced`; each
/// collection whose relations changed gets its metadata anew.
fn follow(snapshot: &mut Snapshot, referenced: &str, change: impl Fn(&mut meta::Relation) -> bool) {
    let relates = |t: &Table| {
        t.constraints
            .iter()
            .any(|c| c.kind == ConstraintKind::ForeignKey && c.definition.contains(referenced))
    };
    for t in snapshot.tables_where(relates) {
        let mut changed = false;
        for c in t
            .constraints
            .iter_mut()
            .filter(|c| c.kind == ConstraintKind::ForeignKey)
        {
            if let Ok(mut r) = serde_json::from_str::<meta::Relation>(&c.definition) {
                if r.references == referenced && change(&mut r) {
                    c.definition = serde_json::to_string(&r).unwrap_or_default();
                    changed = true;
                }
            }
        }
        if changed {
            let mut def = definition(t);
            set_meta(t, &mut def);
            t.definition = Some(def.to_string());
        }
    }
}

fn push_index(t: &mut Table, spec: Json) {
    let name = spec["name"].as_str().unwrap_or_default().to_owned();
    t.indexes.retain(|i| i.name != name);
    t.indexes.push(Index {
        name,
        columns: spec["key"]
            .as_object()
            .map(|k| k.keys().cloned().collect())
            .unwrap_or_default(),
        unique: spec["unique"].as_bool().unwrap_or(false),
        definition: spec.to_string(),
        valid: true,
    });
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The collection as strata leaves it once it manages it: its metadata from the table, and
/// the validator derived from that metadata, in `def`, the table's parsed definition.
fn set_meta(t: &Table, def: &mut Json) {
    let meta = meta_with(t, user_validator_in(def));
    if !def.is_object() {
        *def = json!({ "options": {} });
    }
    if !def["options"].is_object() {
        def["options"] = json!({});
    }
    def["options"]["validator"] = meta::validator(&meta);
    def["options"]["validationLevel"] = json!("strict");
    def["meta"] = serde_json::to_value(&meta).unwrap_or(Json::Null);
}
