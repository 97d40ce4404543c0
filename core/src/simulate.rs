//! The schema as it will be after a step: the planner compiles each step against the live
//! schema with the earlier steps of the plan applied, so that a migration may create a table
//! and alter it in later steps.

use crate::driver::{StepCompiler, TypeMapper};
use crate::schema::{Column, Constraint, ConstraintKind, Index, Snapshot, Table};
use crate::steps::{Step, StepKind};

/// Applies the schema effect of `step` to `snapshot`: the portable effect here, with the
/// engine's types from `types`, then the engine's own text ([`StepCompiler::simulate`]).
/// Steps whose effect strata cannot know (`sql`) leave it unchanged; data-only steps change
/// nothing.
pub fn apply_step(
    snapshot: &mut Snapshot,
    step: &Step,
    types: &dyn TypeMapper,
    text: &dyn StepCompiler,
) {
    let before = snapshot.clone();
    apply_portable(snapshot, &step.kind, types);
    text.simulate(step, &before, snapshot);
}

/// The portable effect of `step` alone, the engine's text left as it was.
pub fn apply_portable(snapshot: &mut Snapshot, step: &StepKind, types: &dyn TypeMapper) {
    let Some(table_name) = step.spec().table().cloned() else {
        return;
    };
    let key = table_name.to_string();
    let column = |name: &str, ty, nullable, position| Column {
        name: name.to_owned(),
        position,
        native_type: types.native_type(ty),
        portable: Some(ty),
        nullable,
        default: None,
        identity: None,
        definition: None,
    };
    match step {
        StepKind::CreateTable(s) => {
            let columns = s
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| Column {
                    default: c.default.as_ref().map(|d| d.to_string()),
                    ..column(&c.name, c.ty, c.nullable && !c.primary_key, i as u32 + 1)
                })
                .collect();
            let primary_key: Vec<String> = s
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.clone())
                .collect();
            snapshot.insert(Table {
                columns,
                primary_key,
                ..Table::new(table_name)
            });
        }
        StepKind::DropTable(_) => {
            snapshot.tables.remove(&key);
        }
        StepKind::RenameTable(s) => {
            if let Some(t) = snapshot.tables.remove(&key) {
                let mut t = std::sync::Arc::unwrap_or_clone(t);
                let old = t.name.clone();
                t.name = t.name.with_name(&s.to);
                let new = t.name.clone();
                snapshot.insert(t);
                // Foreign keys follow the table; their text is the driver's to bring up to
                // date (`StepCompiler::simulate`).
                let prefix = format!("{old}.");
                for other in snapshot
                    .tables
                    .values_mut()
                    .filter(|o| {
                        o.constraints
                            .iter()
                            .any(|c| c.references.as_ref() == Some(&old))
                            || o.referenced_by.iter().any(|r| r.starts_with(&prefix))
                    })
                    .map(std::sync::Arc::make_mut)
                {
                    for c in &mut other.constraints {
                        if c.references.as_ref() == Some(&old) {
                            c.references = Some(new.clone());
                        }
                    }
                    for r in &mut other.referenced_by {
                        if let Some(rest) = r.strip_prefix(&prefix) {
                            *r = format!("{new}.{rest}");
                        }
                    }
                }
            }
        }
        _ => {
            let Some(t) = snapshot.table_mut(&key) else {
                return;
            };
            apply_to_table(t, step, &column);
            if !matches!(step, StepKind::Backfill(_) | StepKind::Assert(_)) {
                t.definition_stale = true;
            }
        }
    }
}

fn apply_to_table(
    t: &mut Table,
    step: &StepKind,
    column: &dyn Fn(&str, crate::PortableType, bool, u32) -> Column,
) {
    let find = |t: &mut Table, name: &str| t.columns.position(name);
    match step {
        StepKind::AddColumn(s) => {
            let position = t.columns.len() as u32 + 1;
            let mut c = column(&s.column, s.ty, s.nullable, position);
            c.default = s.default.as_ref().map(|d| d.to_string());
            t.columns.push(c);
        }
        StepKind::DropColumn(s) => {
            t.columns.retain(|c| c.name != s.column);
            t.indexes.retain(|i| !i.columns.contains(&s.column));
            t.constraints.retain(|c| !c.columns.contains(&s.column));
        }
        StepKind::RenameColumn(s) => {
            if let Some(i) = find(t, &s.column) {
                t.columns[i].name = s.to.clone();
            }
            for names in t
                .indexes
                .iter_mut()
                .map(|i| &mut i.columns)
                .chain(t.constraints.iter_mut().map(|c| &mut c.columns))
                .chain(std::iter::once(&mut t.primary_key))
            {
                for n in names.iter_mut().filter(|n| **n == s.column) {
                    *n = s.to.clone();
                }
            }
        }
        StepKind::ChangeType(s) => {
            if let Some(i) = find(t, &s.column) {
                t.columns[i].definition = None;
                let c = column(
                    &s.column,
                    s.to,
                    t.columns[i].nullable,
                    t.columns[i].position,
                );
                t.columns[i].native_type = c.native_type;
                t.columns[i].portable = c.portable;
            }
        }
        StepKind::SetNotNull(s) => {
            if let Some(i) = find(t, &s.column) {
                t.columns[i].definition = None;
                t.columns[i].nullable = false;
            }
        }
        StepKind::DropNotNull(s) => {
            if let Some(i) = find(t, &s.column) {
                t.columns[i].definition = None;
                t.columns[i].nullable = true;
            }
        }
        StepKind::SetDefault(s) => {
            if let Some(i) = find(t, &s.column) {
                t.columns[i].definition = None;
                t.columns[i].default = Some(s.value.to_string());
            }
        }
        StepKind::DropDefault(s) => {
            if let Some(i) = find(t, &s.column) {
                t.columns[i].definition = None;
                t.columns[i].default = None;
            }
        }
        StepKind::AddForeignKey(s) => {
            if let Some(old) = &s.replace {
                t.constraints.retain(|c| &c.name != old);
            }
            t.constraints.push(Constraint {
                name: s.constraint_name(),
                kind: ConstraintKind::ForeignKey,
                columns: s.columns.clone(),
                references: Some(s.references.table.clone()),
                definition: String::new(),
                validated: true,
            });
        }
        StepKind::DropForeignKey(s) => t.constraints.retain(|c| c.name != s.name),
        StepKind::AddIndex(s) => t.indexes.push(Index {
            name: s.index_name(),
            columns: s.columns.clone(),
            unique: s.unique,
            definition: String::new(),
            valid: true,
        }),
        StepKind::DropIndex(s) => t.indexes.retain(|i| i.name != s.name),
        StepKind::AddUnique(s) => t.constraints.push(Constraint {
            name: s.constraint_name(),
            kind: ConstraintKind::Unique,
            columns: s.columns.clone(),
            references: None,
            definition: String::new(),
            validated: true,
        }),
        _ => {}
    }
}
