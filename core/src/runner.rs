//! The runner: lock ▶ pre-flight ▶ backups, verified ▶ actions (journaled; in one transaction
//! with the history row where the engine allows) ▶ verification ▶ record ▶ unlock; and
//! rollback, which runs the recorded inverses in reverse order.

use std::time::Duration;

use crate::action::ActionKind;
use crate::checks;
use crate::driver::{Driver, EngineExt};
use crate::error::{Error, Result};
use crate::history::{
    self, ActionState, HistoryRecord, MigrationState, MigrationStatus, RecordStatus,
};
use crate::lock::with_lock;
use crate::migration::Migration;
use crate::plan::{ensure_allowed, ensure_no_unbacked_loss, plan_migration, MigrationPlan};
use crate::refusal::{Refusal, RefusalKind};

/// A sink for progress lines (the CLI prints them to stderr).
pub type Progress<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// How the runner behaves.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// How long to wait for another runner's lock.
    pub lock_timeout: Duration,
    /// Where progress lines go.
    pub progress: Progress<'a>,
    /// Run migrations that destroy data no backup keeps (`--allow-data-loss`).
    pub allow_data_loss: bool,
}

/// What `apply` did (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Interrupted or failed migrations that were completed.
    pub resumed: Vec<u64>,
    /// Migrations applied.
    pub applied: Vec<u64>,
    /// The plans of the migrations applied or, in a dry run, to apply.
    pub plans: Vec<MigrationPlan>,
    /// The pre-migration checks run before each of them.
    pub checks: Vec<crate::checks::Check>,
    /// The manifests of the file backups written after the migrations applied, by version
    /// (when a backup directory was given: `apply --backup-dir`, `Migrator::backup_dir`).
    pub backup_files: Vec<(u64, std::path::PathBuf)>,
}

/// Which migrations `rollback` undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackTarget {
    /// The last `n` applied migrations.
    Steps(usize),
    /// Every applied migration with a version above this one.
    To(u64),
}

/// The status of every migration file and history record.
pub async fn status(driver: &dyn Driver, migrations: &[Migration]) -> Result<Vec<MigrationStatus>> {
    Ok(history::status(migrations, &driver.history().await?))
}

/// Plans the pending migrations (up to `to`), without changing anything.
pub async fn plan(
    driver: &dyn Driver,
    migrations: &[Migration],
    to: Option<u64>,
) -> Result<Vec<MigrationPlan>> {
    let statuses = status(driver, migrations).await?;
    let live = driver.inspect().await?;
    let mut planned = live.clone();
    let mut plans = Vec::new();
    for m in pending(migrations, &statuses, to) {
        plans.push(plan_migration(driver, m, &live, &mut planned).await?);
    }
    Ok(plans)
}

fn pending<'m>(
    migrations: &'m [Migration],
    statuses: &[MigrationStatus],
    to: Option<u64>,
) -> Vec<&'m Migration> {
    migrations
        .iter()
        .filter(|m| to.is_none_or(|to| m.version <= to))
        .filter(|m| {
            statuses
                .iter()
                .any(|s| s.version == m.version && s.state == MigrationState::Pending)
        })
        .collect()
}

/// Refuses drifted history: an applied migration whose file changed.
fn ensure_no_drift(statuses: &[MigrationStatus], progress: Progress<'_>) -> Result<()> {
    let drifted: Vec<String> = statuses
        .iter()
        .filter(|s| s.state == MigrationState::Drifted)
        .map(|s| {
            format!(
                "{} (version {}) changed after it was applied",
                s.file.as_deref().unwrap_or("?"),
                s.version
            )
        })
        .collect();
    for s in statuses
        .iter()
        .filter(|s| s.state == MigrationState::Missing)
    {
        progress(&format!(
            "warning: migration {} ({}) is applied but its file is gone",
            s.version, s.name
        ));
    }
    if drifted.is_empty() {
        Ok(())
    } else {
        Err(Error::Drift(format!(
            "{}; restore the applied file (and add a new migration for the change), or roll it back first",
            drifted.join("; ")
        )))
    }
}

/// Applies pending migrations (up to `to`), completing interrupted ones first. With
/// `dry_run`, plans and checks everything and changes nothing.
pub async fn apply(
    driver: &dyn Driver,
    migrations: &[Migration],
    to: Option<u64>,
    dry_run: bool,
    opts: RunOptions<'_>,
) -> Result<ApplyReport> {
    with_lock(driver, opts.lock_timeout, opts.progress, || async move {
        if !dry_run {
            driver.ensure_history().await?;
        }
        let records = driver.history().await?;
        let statuses = history::status(migrations, &records);
        ensure_no_drift(&statuses, opts.progress)?;
        let mut report = ApplyReport::default();
        for s in statuses.iter().filter(|s| matches!(s.state, MigrationState::Partial | MigrationState::Failed)) {
            let record = records.iter().find(|r| r.version == s.version).expect("status comes from a record");
            if dry_run {
                (opts.progress)(&format!("migration {} is partially applied; apply would complete it", s.version));
                continue;
            }
            (opts.progress)(&format!("completing migration {} ({}) from its journal", s.version, s.name));
            let migration = migrations.iter().find(|m| m.version == s.version);
            run_journaled(driver, migration, record.clone(), opts).await?;
            report.resumed.push(s.version);
        }
        let todo = pending(migrations, &statuses, to);
        let newest_applied = statuses.iter().filter(|s| s.state != MigrationState::Pending).map(|s| s.version).max();
        if let (Some(first), Some(newest)) = (todo.first(), newest_applied) {
            if first.version < newest {
                return Err(Error::refused(Refusal::new(
                    RefusalKind::Precondition,
                    format!(
                        "{} (version {}) is pending but version {newest} is already applied; strata applies migrations in order",
                        first.file, first.version
                    ),
                )));
            }
        }
        // The schema is inspected once per command and carried forward: each migration is
        // planned against the schema the one before it leaves, as the driver simulates it.
        // The simulation does not know everything the server would say of what it changed (a
        // column's exact definition on MySQL, the keys that reference a table), so a migration
        // that names a table an earlier migration of this command changed is planned on a
        // fresh inspection; so is everything after a migration whose steps reach tables they
        // do not name (a `sql` step, a dropped key and its parent's references). A
        // dry run changes nothing: every migration counts on the live data, and a table an
        // earlier one creates has no rows yet.
        let mut known: Option<crate::schema::Snapshot> = None;
        let mut changed: Vec<crate::QualifiedName> = Vec::new();
        let mut dry_planned: Option<crate::schema::Snapshot> = None;
        let mut server = checks::PerCommand::default();
        let mut at_start: Option<crate::schema::Snapshot> = None;
        for m in todo {
            let named = tables_named(m);
            let live = match known.take() {
                Some(schema) if !named.iter().any(|t| changed.contains(t)) => schema,
                _ => {
                    changed.clear();
                    driver.inspect().await?
                }
            };
            let at_start = at_start.get_or_insert_with(|| live.clone());
            let mut planned = match dry_planned.take() {
                Some(planned) => planned,
                None => live.clone(),
            };
            let plan = plan_migration(driver, m, &live, &mut planned).await?;
            ensure_allowed(&plan)?;
            ensure_no_unbacked_loss(&plan, opts.allow_data_loss)?;
            let needs = checks::Needs::of(std::slice::from_ref(&plan));
            let checks = server.run(driver, &needs, |t| at_start.table(t).is_some()).await?;
            for c in checks.iter().filter(|c| c.status != checks::Status::Ok) {
                (opts.progress)(&format!("check {}: {} — {}", c.status.label(), c.check, c.detail));
            }
            checks::ensure_passed(&checks)?;
            report.checks.extend(checks);
            if dry_run {
                known = Some(live);
                dry_planned = Some(planned);
            } else {
                run_migration(driver, m, &plan, opts).await?;
                report.applied.push(m.version);
                changed.extend(named);
                known = (!reaches_unnamed_tables(m)).then_some(planned);
            }
            report.plans.push(plan);
        }
        Ok(report)
    })
    .await
}

/// Whether a step of `m` changes what it does not name: raw SQL, or a key dropped (by itself,
/// with its table or with its column), which changes the keys that reference its parent.
fn reaches_unnamed_tables(m: &Migration) -> bool {
    use crate::steps::StepKind;
    m.steps.iter().any(|s| {
        matches!(
            s.kind,
            StepKind::Sql(_)
                | StepKind::DropForeignKey(_)
                | StepKind::DropTable(_)
                | StepKind::DropColumn(_)
        )
    })
}

/// Every table `m`'s steps name: the one each works on, a foreign key's parent, a renamed
/// table's new name.
fn tables_named(m: &Migration) -> Vec<crate::QualifiedName> {
    use crate::steps::StepKind;
    let mut named = Vec::new();
    for step in &m.steps {
        named.extend(step.kind.spec().table().cloned());
        match &step.kind {
            StepKind::AddForeignKey(f) => named.push(f.references.table.clone()),
            StepKind::RenameTable(r) => named.push(crate::QualifiedName {
                schema: r.table.schema.clone(),
                name: r.to.clone(),
            }),
            _ => {}
        }
    }
    named
}

async fn run_migration(
    driver: &dyn Driver,
    migration: &Migration,
    plan: &MigrationPlan,
    opts: RunOptions<'_>,
) -> Result<()> {
    let mut record = HistoryRecord::start(migration, plan.actions());
    (opts.progress)(&format!(
        "applying migration {} ({}): {} actions",
        migration.version,
        migration.name,
        record.journal.len()
    ));
    if !driver.capabilities().transactional_ddl {
        driver.record(&record).await?;
        return run_journaled(driver, Some(migration), record, opts).await;
    }
    let warn = |rb: &Error| {
        (opts.progress)(&format!(
            "warning: rolling back the transaction failed too: {rb}"
        ))
    };
    // One history write: what runs in the transaction commits with the record or not at all,
    // so the record is written once, at its end, with the journal of what runs after it.
    let transactional_part = async {
        for i in 0..record.journal.len() {
            if record.journal[i].action.transactional {
                failpoint("before-action");
                run_action(driver, Some(migration), &record, i, opts).await?;
                record.set_state(i, ActionState::Done);
                failpoint("after-action");
            }
        }
        if record.journal.iter().all(|e| e.state == ActionState::Done) {
            note_backup_rows(driver, &mut record).await?;
            record.finish(RecordStatus::Applied);
        }
        driver.record(&record).await?;
        failpoint("before-commit");
        Ok(())
    };
    driver.in_transaction(transactional_part, warn).await?;
    failpoint("after-commit");
    if record.status == RecordStatus::Applied {
        (opts.progress)(&format!("migration {} applied", migration.version));
        return Ok(());
    }
    run_journaled(driver, Some(migration), record, opts).await
}

/// Runs every action of `record` not yet done, one by one, journaling each before and after,
/// skipping those whose done probe says their effect is in place.
///
/// A check that refuses the migration half way (where DDL is not transactional, what ran
/// before it stays) is not left as a half-applied migration: what ran is undone at once, as
/// `rollback` would, and the refusal says so. Other failures stay recorded, to be resumed or
/// rolled back.
async fn run_journaled(
    driver: &dyn Driver,
    migration: Option<&Migration>,
    record: HistoryRecord,
    opts: RunOptions<'_>,
) -> Result<()> {
    let version = record.version;
    match run_journaled_once(driver, migration, record, opts).await {
        Err(Error::Refused {
            message: why,
            reasons,
        }) => {
            let Some(ran) = driver
                .history()
                .await?
                .into_iter()
                .find(|r| r.version == version)
            else {
                return Err(Error::refused_all(why, reasons));
            };
            if !ran.journal.iter().any(|e| is_done(e.state)) {
                return Err(Error::refused_all(why, reasons));
            }
            (opts.progress)(&format!(
                "migration {version} was refused half way; undoing what it ran"
            ));
            if let Err(e) = undo(driver, ran, opts).await {
                return Err(Error::refused_all(
                    format!(
                        "{why}; undoing what ran before the refusal failed too ({e}): run `strata rollback`"
                    ),
                    reasons,
                ));
            }
            Err(Error::refused_all(
                format!("{why}; the actions that ran before it were undone"),
                reasons,
            ))
        }
        other => other,
    }
}

async fn run_journaled_once(
    driver: &dyn Driver,
    migration: Option<&Migration>,
    mut record: HistoryRecord,
    opts: RunOptions<'_>,
) -> Result<()> {
    for i in 0..record.journal.len() {
        if matches!(
            record.journal[i].state,
            ActionState::Done | ActionState::Undone
        ) {
            continue;
        }
        let action = record.journal[i].action.clone();
        let interrupted = record.journal[i].state == ActionState::Started;
        if let Some(probe) = &action.done_probe {
            if driver.query_count(probe).await? > 0 {
                (opts.progress)(&format!(
                    "  [{}/{}] already done: {}",
                    i + 1,
                    record.journal.len(),
                    action.description
                ));
                record.set_state(i, ActionState::Done);
                driver.record(&record).await?;
                continue;
            }
        }
        if interrupted {
            if let Some(cleanup) = &action.cleanup {
                // An interrupted action may have left a half-made object (an invalid index).
                driver.execute(cleanup).await?;
            }
        }
        if record.status == RecordStatus::Failed {
            record.status = RecordStatus::Running;
        }
        // DML where DML is transactional but DDL is not: the action and its journal entry
        // commit together, so it happens exactly once whenever the runner dies.
        let caps = driver.capabilities();
        let atomic = action.transactional
            && caps.transactional_dml
            && !caps.transactional_ddl
            && action.kind != ActionKind::Backfill;
        if atomic {
            failpoint("before-action");
            let done = async {
                run_action(driver, migration, &record, i, opts).await?;
                let mut next = record.clone();
                next.set_state(i, ActionState::Done);
                driver.record(&next).await?;
                Ok(next)
            };
            // A failed begin or commit returns at once, as the history was: whether the
            // action committed is unknown, and the journal entry that says so is the
            // transaction's own. Only a failed action marks the migration failed.
            match driver.transaction_scope(done, |_| {}).await? {
                Ok(next) => {
                    record = next;
                    failpoint("after-action");
                    continue;
                }
                Err(e) => {
                    record.status = RecordStatus::Failed;
                    driver.record(&record).await?;
                    return Err(e);
                }
            }
        }
        record.set_state(i, ActionState::Started);
        driver.record(&record).await?;
        failpoint("before-action");
        if let Err(e) = run_action(driver, migration, &record, i, opts).await {
            if let Some(cleanup) = &action.cleanup {
                if let Err(c) = driver.execute(cleanup).await {
                    (opts.progress)(&format!(
                        "warning: cleanup after the failure failed too: {c}"
                    ));
                }
            }
            record.set_state(i, ActionState::Pending);
            record.status = RecordStatus::Failed;
            driver.record(&record).await?;
            return Err(e);
        }
        record.set_state(i, ActionState::Done);
        driver.record(&record).await?;
        failpoint("after-action");
    }
    note_backup_rows(driver, &mut record).await?;
    record.finish(RecordStatus::Applied);
    driver.record(&record).await?;
    (opts.progress)(&format!("migration {} applied", record.version));
    Ok(())
}

/// Records in the journal how many rows each backup holds once the migration is done, for
/// `strata verify` to compare later.
async fn note_backup_rows(driver: &dyn Driver, record: &mut HistoryRecord) -> Result<()> {
    for entry in record.journal.iter_mut() {
        if entry.action.kind != ActionKind::Backup || entry.backup_rows.is_some() {
            continue;
        }
        // An engine without row access leaves the count out, and `verify` compares none.
        if let (Some(object), Some(rows)) = (&entry.action.backup_object, driver.rows()) {
            let name: crate::QualifiedName = object.parse().map_err(Error::Usage)?;
            entry.backup_rows = Some(rows.count_rows(&name).await?);
        }
    }
    Ok(())
}

async fn run_action(
    driver: &dyn Driver,
    migration: Option<&Migration>,
    record: &HistoryRecord,
    index: usize,
    opts: RunOptions<'_>,
) -> Result<()> {
    let action = &record.journal[index].action;
    let total = record.journal.len();
    let file = migration.map_or_else(
        || format!("migration {}", record.version),
        |m| m.file.clone(),
    );
    let at = format!("{file}: step {}", action.step);
    (opts.progress)(&format!(
        "  [{}/{total}] step {}: {}",
        index + 1,
        action.step,
        action.description
    ));
    let wrap = |e: Error| Error::Action {
        at: at.clone(),
        action: action.description.clone(),
        source: Box::new(e),
    };
    match action.kind {
        ActionKind::Check | ActionKind::Verify => {
            let found = driver.query_count(&action.forward).await.map_err(wrap)?;
            if found != action.expect {
                let what = action.failure.as_deref().unwrap_or(&action.description);
                let message = format!("{at}: {what} (expected {}, found {found}); nothing of this migration was kept where the engine allows it", action.expect);
                return Err(if action.kind == ActionKind::Check {
                    Error::refused(Refusal::new(RefusalKind::Check, message))
                } else {
                    Error::Verification(message)
                });
            }
        }
        ActionKind::Backfill => {
            let mut done = 0u64;
            // Batches sized by time where the action asks for it (see `batches`).
            let mut sizer = action
                .batch_ms
                .filter(|ms| *ms > 0)
                .zip(crate::batches::compiled_rows(&action.forward))
                .map(|(ms, first)| {
                    crate::batches::Sizer::new(first, Duration::from_millis(u64::from(ms)))
                });
            loop {
                let started = std::time::Instant::now();
                let n = match &sizer {
                    Some(s) => {
                        let batch = crate::batches::statement(&action.forward, s.rows());
                        driver.execute(&batch).await.map_err(wrap)?
                    }
                    None => driver.execute(&action.forward).await.map_err(wrap)?,
                };
                let took = started.elapsed();
                let more = match &action.more {
                    Some(query) => driver.query_count(query).await.map_err(wrap)? != 0,
                    None => n != 0,
                };
                done += n;
                if n != 0 {
                    let size = sizer
                        .as_ref()
                        .map(|s| format!(" (batch of {} in {} ms)", s.rows(), took.as_millis()))
                        .unwrap_or_default();
                    (opts.progress)(&format!("    backfilled {done} rows{size}"));
                }
                if let Some(s) = &mut sizer {
                    s.took(took);
                }
                if !more {
                    break;
                }
            }
        }
        _ => {
            driver.execute(&action.forward).await.map_err(wrap)?;
        }
    }
    Ok(())
}

/// Rolls back applied (or partially applied) migrations, newest first, running the inverse
/// of every action that was done, in reverse order. Refuses, before changing anything, when an
/// action that was done cannot be undone.
pub async fn rollback(
    driver: &dyn Driver,
    target: RollbackTarget,
    opts: RunOptions<'_>,
) -> Result<Vec<u64>> {
    with_lock(driver, opts.lock_timeout, opts.progress, || async move {
        let mut active: Vec<HistoryRecord> =
            driver.history().await?.into_iter().filter(|r| r.status != RecordStatus::RolledBack).collect();
        active.sort_by_key(|r| std::cmp::Reverse(r.version));
        let chosen: Vec<HistoryRecord> = match target {
            RollbackTarget::Steps(n) => active.into_iter().take(n).collect(),
            RollbackTarget::To(v) => active.into_iter().filter(|r| r.version > v).collect(),
        };
        for r in &chosen {
            if let Some(e) = r.journal.iter().find(|e| is_done(e.state) && !e.action.reversible()) {
                return Err(Error::refused(Refusal::new(
                    RefusalKind::Irreversible,
                    format!(
                        "migration {} ({}) step {} cannot be undone: `{}` has no inverse (an `sql` step without `down`, or a drop without backup); nothing was rolled back",
                        r.version, r.name, e.action.step, e.action.description
                    ),
                )));
            }
        }
        let mut undone = Vec::new();
        for r in chosen {
            let version = r.version;
            undo(driver, r, opts).await?;
            undone.push(version);
        }
        Ok(undone)
    })
    .await
}

fn is_done(state: ActionState) -> bool {
    matches!(state, ActionState::Done | ActionState::Started)
}

async fn undo(driver: &dyn Driver, mut record: HistoryRecord, opts: RunOptions<'_>) -> Result<()> {
    let caps = driver.capabilities();
    let transactional = caps.transactional_ddl;
    (opts.progress)(&format!(
        "rolling back migration {} ({})",
        record.version, record.name
    ));
    let result = async {
        for i in (0..record.journal.len()).rev() {
            if !is_done(record.journal[i].state) {
                continue;
            }
            let action = record.journal[i].action.clone();
            let at = format!("migration {} step {}", record.version, action.step);
            let skip = match &action.undo_probe {
                Some(probe) => driver.query_count(probe).await? > 0,
                None => false,
            };
            if let (Some(inverse), false) = (&action.inverse, skip) {
                if let Some((guard, failure)) = &action.undo_guard {
                    if driver.query_count(guard).await? != 0 {
                        return Err(Error::refused(Refusal::new(
                            RefusalKind::Check,
                            format!("{at}: cannot undo `{}`: {failure}", action.description),
                        )));
                    }
                }
                (opts.progress)(&format!(
                    "  undo step {}: {}",
                    action.step, action.description
                ));
                failpoint("before-undo");
                // As on apply: where DDL is not transactional but DML is, an inverse that is DML
                // commits together with its journal entry.
                let atomic = !transactional && action.transactional && caps.transactional_dml;
                let undone = async {
                    driver.execute(inverse).await.map_err(|e| Error::Action {
                        at: at.clone(),
                        action: format!("undoing `{}`", action.description),
                        source: Box::new(e),
                    })?;
                    let mut next = record.clone();
                    next.set_state(i, ActionState::Undone);
                    if !transactional {
                        driver.record(&next).await?;
                    }
                    Ok(next)
                };
                record = if atomic {
                    driver.in_transaction(undone, |_| {}).await?
                } else {
                    undone.await?
                };
            } else {
                record.set_state(i, ActionState::Undone);
                if !transactional {
                    driver.record(&record).await?;
                }
            }
        }
        record.finish(RecordStatus::RolledBack);
        record.actions_done = 0;
        driver.record(&record).await
    };
    if transactional {
        driver.in_transaction(result, |_| {}).await?;
    } else {
        result.await?;
    }
    (opts.progress)(&format!("migration {} rolled back", record.version));
    Ok(())
}

#[cfg(feature = "failpoints")]
fn failpoint(name: &str) {
    fail::fail_point!(name);
    let _ = name;
}

#[cfg(not(feature = "failpoints"))]
fn failpoint(_name: &str) {}
