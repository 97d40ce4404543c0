//! A step on a table an earlier step of the same migration renamed, put back on the table's
//! live name, so that the planner can take its counts (and the driver read its catalog) on
//! the live table before anything runs. Without it, every step after a `rename_table` would
//! go uncounted, its refusals left to apply time — too late on an engine whose DDL is not
//! transactional.

use crate::migration::Migration;
use crate::schema::Snapshot;
use crate::steps::{Step, StepKind};
use crate::QualifiedName;

/// The live name of each table the steps before `step` renamed: current name → live name.
fn renamed_before(migration: &Migration, step: &Step) -> Vec<(QualifiedName, QualifiedName)> {
    let mut map: Vec<(QualifiedName, QualifiedName)> = Vec::new();
    for s in migration.steps.iter().take_while(|s| s.index < step.index) {
        if let StepKind::RenameTable(r) = &s.kind {
            let to = r.table.with_name(&r.to);
            match map.iter_mut().find(|(current, _)| current == &r.table) {
                Some(entry) => entry.0 = to,
                None => map.push((to, r.table.clone())),
            }
        }
    }
    map.retain(|(current, live)| current != live);
    map
}

fn live<'a>(
    map: &'a [(QualifiedName, QualifiedName)],
    name: &QualifiedName,
) -> Option<&'a QualifiedName> {
    map.iter()
        .find(|(current, _)| current == name)
        .map(|(_, l)| l)
}

/// `step` and `snapshot` with the tables earlier steps renamed under their live names, when
/// the step works on (or references) such a table; `None` otherwise.
pub fn on_live_names(
    migration: &Migration,
    step: &Step,
    snapshot: &Snapshot,
) -> Option<(Step, Snapshot)> {
    let map = renamed_before(migration, step);
    let table = step.kind.spec().table()?;
    let parent = match &step.kind {
        StepKind::AddForeignKey(f) => Some(&f.references.table),
        _ => None,
    };
    if live(&map, table).is_none() && parent.and_then(|p| live(&map, p)).is_none() {
        return None;
    }
    let mut fields = serde_json::to_value(&step.kind).ok()?;
    let object = fields.as_object_mut()?;
    object.remove("op");
    if let Some(l) = live(&map, table) {
        object.insert("table".into(), serde_json::json!(l.to_string()));
    }
    if let (Some(p), Some(refs)) = (parent, object.get_mut("references")) {
        if let Some(l) = live(&map, p) {
            refs["table"] = serde_json::json!(l.to_string());
        }
    }
    let kind = StepKind::from_fields(step.op(), fields).ok()?;
    let mut snapshot = snapshot.clone();
    for (current, l) in &map {
        if let Some(t) = snapshot.tables.remove(&current.to_string()) {
            let mut t = std::sync::Arc::unwrap_or_clone(t);
            t.name = l.clone();
            snapshot.insert(t);
        }
        for t in snapshot
            .tables
            .values_mut()
            .filter(|t| {
                t.constraints
                    .iter()
                    .any(|c| c.references.as_ref() == Some(current))
            })
            .map(std::sync::Arc::make_mut)
        {
            for c in &mut t.constraints {
                if c.references.as_ref() == Some(current) {
                    c.references = Some(l.clone());
                }
            }
        }
    }
    Some((
        Step {
            index: step.index,
            reason: step.reason.clone(),
            kind,
        },
        snapshot,
    ))
}
