//! What the earlier steps of a migration do to the documents a later step counts. strata
//! counts a step's checks in the plan, on the documents as they are before anything runs
//! (nulls left, values that will not convert, orphans, duplicate keys); where an earlier
//! step of the same migration writes, renames or creates what the count reads, the plan
//! counted other values than the step will meet, and the check made again at apply time may
//! fail half way through. MongoDB has no transactional DDL to take the earlier steps back
//! then, so such a step is refused in plan: it goes in a migration of its own, counted once
//! the earlier one has run.

use std::collections::BTreeSet;

use strata_core::steps::OrphanMode;
use strata_core::{QualifiedName, StepContext, StepKind};

/// What a step's count reads: fields of a collection, and which documents it holds (a
/// document an earlier step inserts or deletes counts as much as a value it writes).
pub struct Read {
    /// The collection, named as at the step.
    pub table: QualifiedName,
    /// The fields.
    pub fields: Vec<String>,
    /// Whether it matters that the collection is made by the plan (empty): for the parent of
    /// a relation, every key is then an orphan; a collection counted for its own documents
    /// has none before the step that makes it.
    pub referenced: bool,
}

impl Read {
    /// `fields` of `table`, and its documents.
    pub fn of(table: &QualifiedName, fields: &[String]) -> Read {
        Read {
            table: table.clone(),
            fields: fields.to_vec(),
            referenced: false,
        }
    }

    /// `fields` of `table`, the collection a relation references.
    pub fn referenced(table: &QualifiedName, fields: &[String]) -> Read {
        Read {
            referenced: true,
            ..Read::of(table, fields)
        }
    }
}

/// The step as the migration file has it: the planner counts a step on a collection an
/// earlier step renamed under the collection's live name, while the earlier steps name it as
/// it is at their turn.
fn as_written<'a>(ctx: &StepContext<'a>) -> &'a strata_core::steps::Step {
    ctx.migration
        .steps
        .iter()
        .find(|s| s.index == ctx.step.index)
        .unwrap_or(ctx.step)
}

/// The collection the step works on, named as at the step.
pub fn table(ctx: &StepContext<'_>) -> Option<QualifiedName> {
    as_written(ctx).kind.spec().table().cloned()
}

/// The collection a step's relation references, named as at the step.
pub fn parent(ctx: &StepContext<'_>) -> Option<QualifiedName> {
    match &as_written(ctx).kind {
        StepKind::AddForeignKey(s) => Some(s.references.table.clone()),
        _ => None,
    }
}

/// Why the plan's count of `reads` is not what the step will meet: the earlier step of the
/// migration that changes them, in a refusal; `None` when no earlier step does.
pub fn changed(ctx: &StepContext<'_>, reads: &[Read]) -> Option<String> {
    let earlier: Vec<_> = ctx
        .migration
        .steps
        .iter()
        .filter(|s| s.index < ctx.step.index)
        .collect();
    for read in reads {
        let mut table = read.table.clone();
        let mut fields: BTreeSet<String> = read.fields.iter().cloned().collect();
        // Fields an earlier step adds without a default: no document holds them before it,
        // as the live documents say, unless a step before that dropped them.
        let mut fresh: BTreeSet<String> = BTreeSet::new();
        for step in earlier.iter().rev() {
            let on = |t: &QualifiedName| *t == table;
            let what: Option<(String, String)> = match &step.kind {
                StepKind::RenameTable(s) if table == s.table.with_name(&s.to) => {
                    table = s.table.clone();
                    None
                }
                StepKind::CreateTable(s) if on(&s.table) => {
                    if !read.referenced {
                        break;
                    }
                    Some(("its documents".into(), "created".into()))
                }
                StepKind::RenameColumn(s) if on(&s.table) && fields.contains(&s.to) => {
                    Some((s.to.clone(), format!("renamed (from {})", s.column)))
                }
                StepKind::AddColumn(s) if on(&s.table) && fields.contains(&s.column) => {
                    if s.default.is_some() {
                        Some((s.column.clone(), "added with a default".into()))
                    } else {
                        fields.remove(&s.column);
                        fresh.insert(s.column.clone());
                        None
                    }
                }
                StepKind::DropColumn(s) if on(&s.table) && fresh.contains(&s.column) => {
                    Some((s.column.clone(), "dropped (and added again later)".into()))
                }
                StepKind::ChangeType(s) if on(&s.table) && fields.contains(&s.column) => {
                    Some((s.column.clone(), "converted".into()))
                }
                StepKind::SetNotNull(s)
                    if on(&s.table) && s.fill.is_some() && fields.contains(&s.column) =>
                {
                    Some((s.column.clone(), "filled".into()))
                }
                StepKind::Backfill(s) if on(&s.table) => s
                    .set
                    .keys()
                    .find(|k| fields.contains(*k))
                    .map(|k| (k.clone(), "backfilled".into())),
                StepKind::AddForeignKey(s) => match s.orphans {
                    OrphanMode::SetNull if on(&s.table) => s
                        .columns
                        .iter()
                        .find(|k| fields.contains(*k))
                        .map(|k| (k.clone(), "set to null in orphan documents".into())),
                    OrphanMode::Delete if on(&s.table) => {
                        Some(("its documents".into(), "deleted (orphans)".into()))
                    }
                    OrphanMode::Placeholder if on(&s.references.table) => {
                        Some(("its documents".into(), "given placeholders".into()))
                    }
                    _ => None,
                },
                _ => None,
            };
            if let Some((what, done)) = what {
                let subject = if what == "its documents" {
                    format!("the documents of {table}")
                } else {
                    format!("{table}.{what}")
                };
                return Some(format!(
                    "{subject}: {done} by step {} of this migration, while strata counts what this step checks before anything runs, on the documents as they are; MongoDB cannot take back a half-run migration by itself, so put this step in a migration of its own, after that one",
                    step.index
                ));
            }
        }
    }
    None
}

/// Whether an earlier step of the migration removes `field` from every document of the
/// step's collection (drops it, or renames it away): the live documents that hold it now
/// will not when the step runs.
pub fn removes(ctx: &StepContext<'_>, field: &str) -> bool {
    let Some(mut table) = self::table(ctx) else {
        return false;
    };
    for step in ctx
        .migration
        .steps
        .iter()
        .filter(|s| s.index < ctx.step.index)
        .rev()
    {
        match &step.kind {
            StepKind::RenameTable(s) if table == s.table.with_name(&s.to) => {
                table = s.table.clone();
            }
            StepKind::DropColumn(s) if s.table == table && s.column == field => return true,
            StepKind::RenameColumn(s) if s.table == table && s.column == field => return true,
            // Written again after it went: the live documents do not say.
            StepKind::RenameColumn(s) if s.table == table && s.to == field => return false,
            StepKind::AddColumn(s) if s.table == table && s.column == field => return false,
            _ => {}
        }
    }
    false
}
