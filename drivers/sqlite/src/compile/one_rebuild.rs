//! Steps that rebuild a SQLite table, in parts, and consecutive ones on one table in one
//! rebuild. Every `drop_column`, `change_type`, `set_not_null`, `drop_not_null`,
//! `set_default` and `drop_default` rebuilds the whole table (SQLite's `ALTER TABLE` cannot
//! make those changes); three of them on one table rebuild it three times. Together they
//! rebuild it once, from the table's text before the first of them to its text after the last
//! (as the planner's simulation gives it to the last step), with every column the steps
//! compute computed in the one copy; the way back is one rebuild too, each column read back as
//! its own step reads it. Each step keeps its own backup and checks, which run before the
//! rebuild, and its verification, which runs after it.
//!
//! Taken for consecutive steps each on its own column, each of which would rebuild the table
//! alone; a `drop_column` only with its backup (its way back needs it); not a step on a key
//! column (the backups are read back by key), nor a `change_type` with a `using` expression
//! (it may read another column of the run, which the one copy reads as it was before the
//! run). Each step's checks run before the one rebuild, on the rows as they are before the
//! run: where an earlier step's fill would make a later step's converted values break a
//! unique key or CHECK over both columns, the rebuild itself fails and the migration's
//! transaction undoes everything.

use strata_core::schema::Table;
use strata_core::{Action, QualifiedName, Result, StepContext, StepKind};

use super::backup::keyed_backup;
use super::table_text::rebuild;
use crate::ddl::CreateTable;

/// A keyed backup of whole columns of the table (every row): one step's, or one for several
/// steps of a run.
pub(super) struct KeyedBackup {
    /// Its name.
    pub name: QualifiedName,
    /// The columns, beside the key.
    pub columns: Vec<String>,
    /// What the plan calls them (`users.age`).
    pub what: String,
}

/// A step that rebuilds its table, in parts.
pub(super) struct Rebuilt<'a> {
    /// The table as the step finds it.
    pub table: &'a Table,
    /// Its text as the step finds it.
    pub text: CreateTable<'a>,
    /// Its text after the step.
    pub to: String,
    /// Columns the copy computes from the old row (`strata_row`), the rest copied by name.
    pub forward: Vec<(String, String)>,
    /// Columns the way back computes from the row the step left.
    pub back: Vec<(String, String)>,
    /// What runs before the backup: checks it needs.
    pub pre: Vec<Action>,
    /// The backup of whole columns, keyed, when the step takes one.
    pub backup: Option<KeyedBackup>,
    /// What runs between the backup and the rebuild: other backups, fills, checks.
    pub before: Vec<Action>,
    /// What runs after it: verifications.
    pub after: Vec<Action>,
    /// The rebuild's description.
    pub description: String,
    /// The rebuild destroys values (a dropped column, values set NULL).
    pub destroys: bool,
    /// The rebuild can be undone (not a `drop_column` without backup).
    pub undoable: bool,
}

impl Rebuilt<'_> {
    /// The step's actions alone: the guard that the table is as planned, what runs before,
    /// the rebuild, what runs after.
    pub fn actions(self, ctx: &StepContext<'_>) -> Result<Vec<Action>> {
        let (guard, mut alter) = rebuild(
            ctx,
            self.table,
            &self.text,
            &self.to,
            &self.forward,
            &self.back,
            self.description,
        )?;
        if self.destroys {
            alter = alter.destructive();
        }
        if !self.undoable {
            alter.inverse = None;
        }
        let mut actions = vec![guard];
        actions.extend(self.pre);
        if let Some(b) = &self.backup {
            let what = if b.columns.len() > 1 {
                format!("{} with their keys", b.what)
            } else {
                format!("{} with its keys", b.what)
            };
            actions.extend(keyed_backup(
                ctx, &b.name, self.table, &b.columns, None, &what,
            ));
        }
        actions.extend(self.before);
        actions.push(alter);
        actions.extend(self.after);
        Ok(actions)
    }
}

/// The step in parts, when it is one that rebuilds its table (and has something to do); its
/// whole-column backup goes to `shared` when given.
fn parts<'a>(ctx: &StepContext<'a>, shared: Option<&QualifiedName>) -> Option<Rebuilt<'a>> {
    // A key column is not taken: the backups are read back by key, and a conversion may
    // change the key (`'true'` becomes 1) after the run's backups were keyed by the old one.
    let table = ctx.snapshot.table(ctx.step.kind.spec().table()?)?;
    let column = ctx.step.kind.spec().columns().first().copied()?;
    if table
        .primary_key
        .iter()
        .any(|k| crate::ddl::lexer::same_name(k, column))
    {
        return None;
    }
    let parts = match &ctx.step.kind {
        StepKind::DropColumn(s) if s.backup => super::drop_column::parts(ctx, s, shared),
        // A `using` expression may name another column of the run, which the one copy reads
        // as it was before the run, not as the earlier step left it.
        StepKind::ChangeType(s) if s.using.is_none() => super::change_type::parts(ctx, s, shared),
        StepKind::SetNotNull(s) => super::set_not_null::parts(ctx, s),
        StepKind::DropNotNull(_) | StepKind::SetDefault(_) | StepKind::DropDefault(_) => {
            super::reshape::parts(ctx)
        }
        _ => return None,
    };
    parts.ok().flatten()
}

/// The leading steps of `run` that go in one rebuild, with their actions; `None` when fewer
/// than two do.
pub(super) fn compile(run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
    let mut taken: Vec<Rebuilt<'_>> = Vec::new();
    let mut columns: Vec<&str> = Vec::new();
    for ctx in run {
        let Some(column) = ctx.step.kind.spec().columns().first().copied() else {
            break;
        };
        if columns
            .iter()
            .any(|c| crate::ddl::lexer::same_name(c, column))
        {
            break;
        }
        // The first whole-column backup of the run holds the columns of every later one.
        let shared = taken
            .iter()
            .find_map(|p| p.backup.as_ref().map(|b| b.name.clone()));
        let Some(p) = parts(ctx, shared.as_ref()) else {
            break;
        };
        columns.push(column);
        taken.push(p);
    }
    if taken.len() < 2 {
        return None;
    }
    let n = taken.len();
    let steps: Vec<String> = run[..n].iter().map(|c| c.step.index.to_string()).collect();
    let mut rest = taken.split_off(1);
    let mut first = taken.pop().expect("two or more");
    let last = rest.pop().expect("two or more");
    let mut what = vec![first.description.replace(" (table rebuild)", "")];
    let mut merge = |p: Rebuilt<'_>, first: &mut Rebuilt<'_>| {
        what.push(p.description.replace(" (table rebuild)", ""));
        first.forward.extend(p.forward);
        first.back.extend(p.back);
        match (&mut first.backup, p.backup) {
            (Some(shared), Some(b)) => {
                shared.columns.extend(b.columns);
                shared.what = format!("{}, {}", shared.what, b.what);
            }
            (none @ None, b) => *none = b,
            (Some(_), None) => {}
        }
        for a in p.pre {
            if !repeated(&first.pre, &a) {
                first.pre.push(a);
            }
        }
        for a in p.before {
            if !repeated(&first.before, &a) && !repeated(&first.pre, &a) {
                first.before.push(a);
            }
        }
        first.after.extend(p.after);
        first.destroys |= p.destroys;
        first.undoable &= p.undoable;
    };
    for p in rest {
        merge(p, &mut first);
    }
    first.to = last.to.clone();
    merge(last, &mut first);
    first.description = format!(
        "steps {} on {} in one table rebuild: {}",
        steps.join(", "),
        first.table.name,
        what.join(", ")
    );
    first.actions(&run[0]).ok().map(|actions| (n, actions))
}

/// Whether `a` is a check one of `actions` makes already (two steps check alike that no key
/// holds NULL): it runs once.
fn repeated(actions: &[Action], a: &Action) -> bool {
    a.kind.is_query()
        && actions
            .iter()
            .any(|b| b.kind == a.kind && b.forward == a.forward && b.expect == a.expect)
}
