//! Planning: each pending migration's steps analyzed against the live data and compiled into
//! actions, with the changes summary and the impact assessment of the migration guide.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::action::{Action, ActionKind};
use crate::driver::{Analysis, Driver, FindingKind, StepContext};
use crate::error::{Error, Result};
use crate::migration::Migration;
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::Snapshot;
use crate::simulate::apply_step;
use crate::steps::{ChangeCategory, Reversibility};

/// Bytes per second strata assumes a full scan or rewrite of a table takes, for estimates.
pub const SCAN_BYTES_PER_SEC: u64 = 50 * 1024 * 1024;

/// A level in the impact assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    /// `LOW`, `MEDIUM`, `HIGH`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Low => "LOW",
            Level::Medium => "MEDIUM",
            Level::High => "HIGH",
        }
    }
}

/// One step of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct StepPlan {
    /// 1-based index.
    pub index: usize,
    /// Its `op`.
    pub op: &'static str,
    /// One-line description.
    pub description: String,
    /// The table it works on, if one.
    pub table: Option<crate::QualifiedName>,
    /// The file's `reason`.
    pub reason: Option<String>,
    /// Changes-summary row.
    pub category: ChangeCategory,
    /// How far rollback undoes it.
    pub reversibility: Reversibility,
    /// Live counts.
    pub analysis: Analysis,
    /// Why the counts are missing, when they are.
    pub not_analyzed: Option<String>,
    /// The actions, in order.
    pub actions: Vec<Action>,
    /// The earlier step whose actions carry this step's change too, compiled together (one
    /// `ALTER` or one rebuild for consecutive steps on one table); this step has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combined_into: Option<usize>,
}

/// One row of the changes summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    /// The change type.
    pub category: ChangeCategory,
    /// How many steps.
    pub count: usize,
    /// The least reversible of them.
    pub reversible: Reversibility,
}

/// The impact assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// Data-loss risk.
    pub data_loss_risk: Level,
    /// Why.
    pub data_loss_reason: String,
    /// Whether writers are blocked long enough to count as downtime.
    pub downtime: bool,
    /// Why.
    pub downtime_reason: String,
    /// Rollback complexity.
    pub rollback_complexity: Level,
    /// Estimated duration.
    pub estimated: Duration,
    /// Rows the migration deletes, overwrites or converts lossily (all backed up).
    pub rows_at_risk: u64,
}

/// The plan of one migration.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationPlan {
    /// Version.
    pub version: u64,
    /// Name.
    pub name: String,
    /// File.
    pub file: String,
    /// Description.
    pub description: Option<String>,
    /// Whether the engine runs the migration in one transaction (its online actions after the
    /// commit); otherwise every action is journaled on its own.
    pub transactional: bool,
    /// Steps.
    pub steps: Vec<StepPlan>,
    /// Changes summary.
    pub summary: Vec<SummaryRow>,
    /// Impact assessment.
    pub impact: Impact,
}

impl MigrationPlan {
    /// Every action, in order.
    pub fn actions(&self) -> Vec<Action> {
        self.steps
            .iter()
            .flat_map(|s| s.actions.iter().cloned())
            .collect()
    }

    /// Every reason the migration is refused, each naming its step.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.steps
            .iter()
            .flat_map(|s| {
                s.analysis.blocking().into_iter().map(move |b| Refusal {
                    detail: format!("{}: step {} ({}): {}", self.file, s.index, s.op, b.detail),
                    ..b
                })
            })
            .collect()
    }
}

impl MigrationPlan {
    /// What the migration destroys that no backup keeps, one line per step, each naming the
    /// file, the step and what is lost: a drop with `backup = false`, a `sql` step without
    /// `down`. `apply` refuses these unless data loss is allowed explicitly.
    pub fn unbacked_losses(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.reversibility == Reversibility::No)
            .map(|s| {
                let rows = s
                    .analysis
                    .findings
                    .iter()
                    .filter(|f| f.kind == FindingKind::RowsDestroyed)
                    .map(|f| f.count)
                    .sum::<u64>();
                let lost = if s.op == "sql" {
                    "a `sql` step without `down`: whatever it changes cannot be backed up or undone"
                        .to_owned()
                } else {
                    let what = if s.op == "drop_column" {
                        "values"
                    } else {
                        "rows"
                    };
                    format!(
                        "{}: {rows} {what} destroyed with `backup = false`, kept by no backup",
                        s.description
                    )
                };
                format!("{}: step {} ({}): {lost}", self.file, s.index, s.op)
            })
            .collect()
    }
}

/// Refuses a migration that destroys data no backup keeps, unless `allowed`.
pub fn ensure_no_unbacked_loss(plan: &MigrationPlan, allowed: bool) -> Result<()> {
    let losses = plan.unbacked_losses();
    if allowed || losses.is_empty() {
        return Ok(());
    }
    let message = format!(
        "migration {} would destroy data that no backup keeps; nothing was executed:\n  {}\npass --allow-data-loss to accept the loss",
        plan.version,
        losses.join("\n  ")
    );
    let reasons = losses
        .into_iter()
        .map(|l| Refusal::new(RefusalKind::Irreversible, l))
        .collect();
    Err(Error::refused_all(message, reasons))
}

/// Plans `migration` with `driver`: counts are taken on `live` (the current schema and data),
/// actions are compiled against `planned` (the schema once earlier pending migrations have
/// run), which is then advanced past this migration. Compile errors are returned; refusals
/// from the analysis are recorded in the plan (see [`MigrationPlan::refusals`]).
pub async fn plan_migration(
    driver: &dyn Driver,
    migration: &Migration,
    live: &Snapshot,
    planned: &mut Snapshot,
) -> Result<MigrationPlan> {
    // The schema each step is compiled against: the live one with the earlier steps applied.
    let mut before_step = Vec::with_capacity(migration.steps.len());
    for step in &migration.steps {
        before_step.push(planned.clone());
        apply_step(planned, step, driver, driver);
        // Planning is CPU work; a long plan must not starve the driver's own tasks (the
        // MongoDB driver's server monitor times the connection out if it cannot run).
        tokio::task::yield_now().await;
    }
    let contexts: Vec<StepContext<'_>> = migration
        .steps
        .iter()
        .zip(&before_step)
        .map(|(step, snapshot)| StepContext {
            migration,
            step,
            snapshot,
        })
        .collect();

    // Counts are taken on the live data, every step at once so the driver can fuse them; a
    // step on a table an earlier step renamed is counted on the table's live name, and a
    // table created earlier in the plan has no rows yet.
    let relabeled: Vec<Option<(crate::steps::Step, Snapshot)>> = contexts
        .iter()
        .map(|ctx| crate::live_names::on_live_names(migration, ctx.step, ctx.snapshot))
        .collect();
    let counted: Vec<StepContext<'_>> = contexts
        .iter()
        .zip(&relabeled)
        .map(|(ctx, r)| match r {
            Some((step, snapshot)) => StepContext {
                migration,
                step,
                snapshot,
            },
            None => *ctx,
        })
        .collect();
    let mut analyses: Vec<Option<(Analysis, Option<String>)>> = vec![None; contexts.len()];
    let mut to_count = Vec::new();
    for (i, ctx) in counted.iter().enumerate() {
        let spec = ctx.step.kind.spec();
        let parent = match &ctx.step.kind {
            crate::steps::StepKind::AddForeignKey(f) => Some(&f.references.table),
            _ => None,
        };
        let made_here =
            |t: &crate::QualifiedName| live.table(t).is_none() && ctx.snapshot.table(t).is_some();
        if spec.table().is_some_and(made_here) || parent.is_some_and(made_here) {
            analyses[i] = Some((
                Analysis::default(),
                Some("a table it works on is created by this plan: no rows yet".to_owned()),
            ));
        } else {
            to_count.push(i);
        }
    }
    let selected: Vec<StepContext<'_>> = to_count.iter().map(|&i| counted[i]).collect();
    for (i, result) in to_count
        .into_iter()
        .zip(driver.analyze_steps(&selected).await)
    {
        let ctx = &counted[i];
        let changed_earlier = ctx
            .step
            .kind
            .spec()
            .table()
            .is_some_and(|t| live.table(t) != ctx.snapshot.table(t))
            || relabeled[i].is_some();
        analyses[i] = Some(match result {
            Ok(a) => (a, None),
            Err(e) if changed_earlier => (
                Analysis::default(),
                Some(format!(
                    "counted at apply time: earlier steps change this table ({e})"
                )),
            ),
            Err(e) => return Err(e),
        });
    }

    // A table an earlier pending migration creates or changes exists only as simulated; an
    // engine that needs its real definition compiles the step once that migration has run
    // (`apply` plans each migration against the live schema).
    let first_snapshot = before_step.first().cloned().unwrap_or_default();
    let mut prepared: Vec<(Analysis, Option<String>)> = contexts
        .iter()
        .zip(analyses)
        .map(|(ctx, analysis)| {
            let (mut analysis, not_analyzed) =
                analysis.expect("every step is analyzed or explained");
            analysis
                .refusals
                .extend(crate::preflight::literal_refusals(ctx));
            (analysis, not_analyzed)
        })
        .collect();
    let together = compile_runs(driver, &contexts, &mut prepared);
    let mut steps = Vec::with_capacity(contexts.len());
    for (i, ctx) in contexts.iter().enumerate() {
        let (mut analysis, mut not_analyzed) = std::mem::take(&mut prepared[i]);
        let spec = ctx.step.kind.spec();
        tokio::task::yield_now().await;
        let (actions, combined_into) = match &together[i] {
            Together::Head(actions) => (actions.clone(), None),
            Together::Member(head) => (Vec::new(), Some(*head)),
            Together::Alone if !analysis.refusals.is_empty() => (Vec::new(), None),
            Together::Alone => match driver.compile(*ctx) {
                Ok(actions) => (actions, None),
                Err(e)
                    if spec
                        .table()
                        .is_some_and(|t| live.table(t) != first_snapshot.table(t)) =>
                {
                    not_analyzed = Some(format!(
                        "compiled once the earlier pending migrations have run: {e}"
                    ));
                    (Vec::new(), None)
                }
                // A step the driver cannot compile against the schema earlier steps leave
                // (a table they made or renamed, whose counts were skipped) is refused like
                // any other, before anything runs.
                Err(Error::Step { message, kind, .. }) => {
                    analysis.refusals.push(Refusal::new(
                        kind.unwrap_or(RefusalKind::Unsupported),
                        message,
                    ));
                    (Vec::new(), None)
                }
                Err(e) => return Err(e),
            },
        };
        steps.push(StepPlan {
            index: ctx.step.index,
            op: ctx.step.op(),
            description: spec.describe(),
            table: spec.table().cloned(),
            reason: ctx.step.reason.clone(),
            category: spec.category(),
            reversibility: spec.reversibility(),
            analysis,
            not_analyzed,
            actions,
            combined_into,
        });
    }
    refuse_shared_backups(&mut steps);
    let summary = summarize(&steps);
    let impact = assess(&steps, driver.capabilities().transactional_ddl);
    Ok(MigrationPlan {
        version: migration.version,
        name: migration.name.clone(),
        file: migration.file.clone(),
        description: migration.description.clone(),
        transactional: driver.capabilities().transactional_ddl,
        steps,
        summary,
        impact,
    })
}

/// How a step is compiled: alone, or with the steps after it on its table (the head carries
/// the actions of all), or as one of those (a member, by its head's step index).
enum Together {
    Alone,
    Head(Vec<Action>),
    Member(usize),
}

/// Offers the driver every run of two or more consecutive steps on one table, none refused,
/// to compile together ([`StepCompiler::compile_run`](crate::driver::StepCompiler::compile_run)).
///
/// A step of a run whose own backup is not among the run's backups has its values in the
/// run's first one (one copy for the table); its findings are told that name.
fn compile_runs(
    driver: &dyn Driver,
    contexts: &[StepContext<'_>],
    prepared: &mut [(Analysis, Option<String>)],
) -> Vec<Together> {
    let mut together: Vec<Together> = contexts.iter().map(|_| Together::Alone).collect();
    let table = |i: usize| {
        let ctx: &StepContext<'_> = &contexts[i];
        ctx.step.kind.spec().table().cloned()
    };
    let refused: Vec<bool> = prepared
        .iter()
        .map(|(a, _)| !a.refusals.is_empty())
        .collect();
    let ready = |i: usize| !refused[i] && table(i).is_some();
    let mut i = 0;
    while i < contexts.len() {
        let mut end = i;
        while end < contexts.len() && ready(end) && table(end) == table(i) {
            end += 1;
        }
        if end - i >= 2 {
            // A driver's answer outside 2..=len (a plugin's, say) is taken as no answer:
            // steps counted as members would otherwise lose their change.
            let run = driver
                .compile_run(&contexts[i..end])
                .filter(|(taken, _)| (2..=end - i).contains(taken));
            if let Some((taken, actions)) = run {
                let head = contexts[i].step.index;
                let made: Vec<&str> = actions
                    .iter()
                    .filter_map(|a| a.backup_object.as_deref())
                    .collect();
                for (ctx, (analysis, _)) in contexts[i..i + taken]
                    .iter()
                    .zip(prepared[i..i + taken].iter_mut())
                {
                    let own = ctx.own_backup_name().map(|n| n.to_string());
                    if let (Some(own), Some(shared)) = (own, made.first()) {
                        if !made.contains(&own.as_str()) {
                            for f in &mut analysis.findings {
                                f.handling = f.handling.replace(&own, shared);
                            }
                        }
                    }
                }
                together[i] = Together::Head(actions);
                for member in together.iter_mut().take(i + taken).skip(i + 1) {
                    *member = Together::Member(head);
                }
                i += taken;
                continue;
            }
        }
        i += 1;
    }
    together
}

/// Refuses a step whose backup object has the name an earlier step's backup has: the second
/// copy would replace the first (MongoDB's `$out` does so without a word), and rollback would
/// restore one table's rows into the other. [`StepContext::backup_name`] keeps the names
/// apart; this is the net under it, for names a driver makes itself.
fn refuse_shared_backups(steps: &mut [StepPlan]) {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for step in steps.iter_mut() {
        let objects: Vec<String> = step
            .actions
            .iter()
            .filter_map(|a| a.backup_object.clone())
            .collect();
        for object in objects {
            match seen.iter().find(|(o, _)| *o == object) {
                Some((_, earlier)) if *earlier != step.index => {
                    step.analysis.refusals.push(Refusal::exists(
                        &object,
                        format!(
                            "its backup {object} has the name of step {earlier}'s backup; rename the table or split the migration"
                        ),
                    ));
                    step.actions.clear();
                    break;
                }
                Some(_) => {}
                None => seen.push((object, step.index)),
            }
        }
    }
}

/// Counts steps per change type, with the least reversible of each.
pub fn summarize(steps: &[StepPlan]) -> Vec<SummaryRow> {
    let mut rows: BTreeMap<ChangeCategory, SummaryRow> = BTreeMap::new();
    for s in steps {
        let row = rows.entry(s.category).or_insert(SummaryRow {
            category: s.category,
            count: 0,
            reversible: Reversibility::Yes,
        });
        row.count += 1;
        row.reversible = row.reversible.max(s.reversibility);
    }
    rows.into_values().collect()
}

fn action_cost(action: &Action, bytes: u64) -> Duration {
    let scans = match action.kind {
        ActionKind::Check
        | ActionKind::Verify
        | ActionKind::Backup
        | ActionKind::Dml
        | ActionKind::Backfill => 1,
        ActionKind::Ddl => 1,
    };
    Duration::from_millis(5)
        + Duration::from_secs_f64((bytes * scans) as f64 / SCAN_BYTES_PER_SEC as f64)
}

/// The impact assessment of a migration's steps.
pub fn assess(steps: &[StepPlan], transactional: bool) -> Impact {
    let rows_at_risk: u64 = steps.iter().map(|s| s.analysis.rows_at_risk()).sum();
    let unrecoverable: Vec<&StepPlan> = steps
        .iter()
        .filter(|s| {
            s.reversibility == Reversibility::No
                && s.actions
                    .iter()
                    .any(|a| a.destroys_data || a.inverse.is_none() && !a.kind.is_query())
        })
        .collect();
    let (data_loss_risk, data_loss_reason) = if !unrecoverable.is_empty() {
        let which: Vec<String> = unrecoverable
            .iter()
            .map(|s| format!("step {} ({})", s.index, s.op))
            .collect();
        (
            Level::High,
            format!(
                "{} cannot be undone (no backup or no `down`)",
                which.join(", ")
            ),
        )
    } else if rows_at_risk > 0 {
        (Level::Medium, format!("{rows_at_risk} rows are deleted, overwritten or converted; every one is backed up first and restored by rollback"))
    } else {
        (
            Level::Low,
            "no stored value is lost: whatever is destroyed is backed up and verified first".into(),
        )
    };
    let rollback_complexity = match steps.iter().map(|s| s.reversibility).max() {
        Some(Reversibility::No) => Level::High,
        Some(Reversibility::Partial) => Level::Medium,
        _ => Level::Low,
    };
    let mut locked = Duration::ZERO;
    let mut online = Duration::ZERO;
    for s in steps {
        let bytes = s.analysis.table_bytes.unwrap_or(0);
        for a in &s.actions {
            let cost = action_cost(a, bytes);
            if a.transactional && a.kind != ActionKind::Backfill {
                locked += cost;
            } else {
                online += cost;
            }
        }
    }
    let downtime = locked > Duration::from_secs(5);
    let downtime_reason = if transactional {
        format!(
            "the transactional part locks the tables it alters until it commits, about {} by table size; online actions take about {} without blocking writes",
            human(locked),
            human(online)
        )
    } else {
        format!(
            "each action locks its table while it runs, about {} in all",
            human(locked + online)
        )
    };
    Impact {
        data_loss_risk,
        data_loss_reason,
        downtime,
        downtime_reason,
        rollback_complexity,
        estimated: locked + online,
        rows_at_risk,
    }
}

/// `850 ms`, `12.3 s`, `4 min 10 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Refuses the plan when any step is refused.
pub fn ensure_allowed(plan: &MigrationPlan) -> Result<()> {
    let refusals = plan.refusals();
    if refusals.is_empty() {
        Ok(())
    } else {
        let lines: Vec<&str> = refusals.iter().map(|r| r.detail.as_str()).collect();
        Err(Error::refused_all(
            format!(
                "migration {} cannot run; nothing was executed:\n  {}",
                plan.version,
                lines.join("\n  ")
            ),
            refusals,
        ))
    }
}
