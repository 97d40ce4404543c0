//! `strata guide`: the migration guide a DBA would write by hand for the pending migrations
//! (`shared/migration-guide-template.md`), filled in with the live counts, the checks strata
//! ran, and the exact statements it will run, back up with, verify with and roll back with.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::action::{Action, ActionKind, Statement};
use crate::checks::{human_bytes, Check, Status};
use crate::plan::{assess, human, summarize, Impact, MigrationPlan, StepPlan};
use crate::steps::Reversibility;

/// Everything the guide is written from.
#[derive(Debug, Clone)]
pub struct GuideInput<'a> {
    /// The driver's name (`postgres`).
    pub engine: &'a str,
    /// The server's version.
    pub server_version: &'a str,
    /// The database, as it may be shown (no credentials).
    pub database: &'a str,
    /// When the guide is written.
    pub date: DateTime<Utc>,
    /// The newest applied migration, if any.
    pub applied_version: Option<u64>,
    /// The plans of the pending migrations, in order.
    pub plans: &'a [MigrationPlan],
    /// The pre-migration checks.
    pub checks: &'a [Check],
    /// Whether the engine runs a migration in one transaction.
    pub transactional: bool,
    /// The runner lock, as the engine names it.
    pub lock_name: &'a str,
}

/// The guide, as Markdown.
pub fn render(g: &GuideInput<'_>) -> String {
    let steps: Vec<StepPlan> = g
        .plans
        .iter()
        .flat_map(|p| p.steps.iter().cloned())
        .collect();
    let impact = assess(&steps, g.transactional);
    let all = Pending { steps, impact };
    let mut out = String::new();
    header(&mut out, g, &all);
    overview(&mut out, g, &all);
    checklist(&mut out, g, &all);
    changes(&mut out, g);
    phases(&mut out, g);
    rollback(&mut out, g, &all);
    validation(&mut out, &all);
    monitoring(&mut out, g);
    out
}

/// Every pending step, and their impact assessment, computed once for the whole guide.
struct Pending {
    steps: Vec<StepPlan>,
    impact: Impact,
}

fn from_version(g: &GuideInput<'_>) -> String {
    g.applied_version
        .map_or_else(|| "(empty)".to_owned(), |v| v.to_string())
}

fn to_version(g: &GuideInput<'_>) -> String {
    g.plans
        .last()
        .map_or_else(|| from_version(g), |p| p.version.to_string())
}

fn header(out: &mut String, g: &GuideInput<'_>, all: &Pending) {
    let impact = &all.impact;
    let _ = writeln!(
        out,
        "# Database Migration Guide: Schema {} → {}\n",
        from_version(g),
        to_version(g)
    );
    let name = g.plans.last().map(|p| p.name.as_str()).unwrap_or_default();
    let _ = writeln!(out, "**Schema Version:** {} ({name})  ", to_version(g));
    let _ = writeln!(
        out,
        "**Database:** {} {}, database `{}`  ",
        g.engine, g.server_version, g.database
    );
    let _ = writeln!(out, "**Migration Date:** {}  ", g.date.format("%Y-%m-%d"));
    let _ = writeln!(
        out,
        "**Downtime Required:** {} (about {}): {}  ",
        if impact.downtime { "YES" } else { "NO" },
        human(impact.estimated),
        impact.downtime_reason
    );
    let _ = writeln!(
        out,
        "**Written by:** strata {} from the live database on {}; every count below was taken on it.\n\n---\n",
        crate::VERSION,
        g.date.format("%Y-%m-%d %H:%M UTC")
    );
}

fn reversible(r: Reversibility) -> &'static str {
    match r {
        Reversibility::Yes => "✅ Yes",
        Reversibility::Partial => "⚠️ Partial",
        Reversibility::No => "❌ No",
    }
}

fn overview(out: &mut String, g: &GuideInput<'_>, all: &Pending) {
    let _ = writeln!(out, "## Migration Overview\n");
    if g.plans.is_empty() {
        let _ = writeln!(out, "Nothing is pending: every migration is applied.\n");
        return;
    }
    let _ = writeln!(out, "| Version | Name | File | Steps | Runs |");
    let _ = writeln!(out, "|---------|------|------|-------|------|");
    for p in g.plans {
        let runs = if p.transactional {
            "in one transaction (online index builds after the commit)"
        } else {
            "action by action, each journaled and resumable"
        };
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} | {runs} |",
            p.version,
            p.name,
            p.file,
            p.steps.len()
        );
    }
    let _ = writeln!(out, "\n### Changes Summary\n");
    let _ = writeln!(out, "| Change Type | Count | Reversible |");
    let _ = writeln!(out, "|-------------|-------|------------|");
    for row in summarize(&all.steps) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            row.category.label(),
            row.count,
            reversible(row.reversible)
        );
    }
    let i = &all.impact;
    let _ = writeln!(out, "\n### Impact Assessment\n");
    let _ = writeln!(
        out,
        "- **Data Loss Risk:** {} — {}",
        i.data_loss_risk.label(),
        i.data_loss_reason
    );
    let _ = writeln!(
        out,
        "- **Downtime Required:** {} — {}",
        if i.downtime { "YES" } else { "NO" },
        i.downtime_reason
    );
    let _ = writeln!(
        out,
        "- **Rollback Complexity:** {}",
        i.rollback_complexity.label()
    );
    let _ = writeln!(
        out,
        "- **Migration Duration:** about {} (estimated from table sizes at {}/s)",
        human(i.estimated),
        human_bytes(crate::plan::SCAN_BYTES_PER_SEC)
    );
    let _ = writeln!(
        out,
        "- **Rows at risk:** {} (deleted, overwritten or converted; each backed up before it changes)\n\n---\n",
        i.rows_at_risk
    );
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Ok => "[x] ✅",
        Status::Warning => "[x] ⚠️",
        Status::Failed => "[ ] ❌",
        Status::Unknown => "[ ] ❔",
    }
}

fn checklist(out: &mut String, g: &GuideInput<'_>, all: &Pending) {
    let _ = writeln!(out, "## Pre-Migration Checklist\n");
    let _ = writeln!(
        out,
        "strata ran these checks against the live database ({}):\n",
        g.date.format("%Y-%m-%d %H:%M UTC")
    );
    for c in g.checks {
        let _ = writeln!(out, "- {} **{}** — {}", mark(c.status), c.check, c.detail);
    }
    let steps = &all.steps;
    let refusals: Vec<crate::Refusal> = g.plans.iter().flat_map(MigrationPlan::refusals).collect();
    if refusals.is_empty() {
        let counted = steps.iter().filter(|s| s.not_analyzed.is_none()).count();
        let _ = writeln!(
            out,
            "- [x] ✅ **live data checked** — {counted} of {} steps counted on the live data (below); none is refused",
            steps.len()
        );
    } else {
        let _ = writeln!(
            out,
            "- [ ] ❌ **live data checked** — `apply` refuses to run, changing nothing:"
        );
        for r in &refusals {
            let _ = writeln!(out, "  - {r}");
        }
    }
    let losses: Vec<String> = g
        .plans
        .iter()
        .flat_map(MigrationPlan::unbacked_losses)
        .collect();
    let backups = steps
        .iter()
        .flat_map(|s| &s.actions)
        .filter(|a| a.kind == ActionKind::Backup)
        .count();
    if losses.is_empty() {
        let _ = writeln!(
            out,
            "- [x] ✅ **backups** — {backups} in-database backups, each verified (row count and content fingerprint) before the action that destroys data; nothing is destroyed that no backup keeps"
        );
    } else {
        let _ = writeln!(
            out,
            "- [ ] ❌ **data kept by no backup** — `apply` refuses without `--allow-data-loss`:"
        );
        for l in &losses {
            let _ = writeln!(out, "  - {l}");
        }
    }
    let _ = writeln!(out, "\nLeft to you:\n");
    let _ = writeln!(
        out,
        "- [ ] **Test in staging**: `strata apply --dry-run`, then `strata apply` and `strata rollback` on a copy of this database"
    );
    let impact = &all.impact;
    if impact.downtime {
        let _ = writeln!(
            out,
            "- [ ] **Schedule a maintenance window** of about {}",
            human(impact.estimated)
        );
    }
    let _ = writeln!(
        out,
        "- [ ] **Notify stakeholders** of the changes above and of the application changes they need"
    );
    let _ = writeln!(
        out,
        "- [ ] **Keep this guide** at hand: the rollback procedure is below\n\n---\n"
    );
}

fn fence(statement: &Statement) -> &'static str {
    match statement {
        Statement::Sql(_) => "sql",
        Statement::Command(_) => "json",
    }
}

fn code_block(out: &mut String, items: &[(String, &Statement)]) {
    let Some((_, first)) = items.first() else {
        return;
    };
    let lang = fence(first);
    let comment = if lang == "sql" { "--" } else { "//" };
    let _ = writeln!(out, "```{lang}");
    for (title, s) in items {
        let _ = writeln!(out, "{comment} {title}");
        // One command per line: what `db.runCommand(…)` takes, as a DBA pastes it.
        let text = match s {
            Statement::Sql(sql) => sql.clone(),
            Statement::Command(c) => serde_json::to_string(c).unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "{}{}",
            text.trim_end(),
            if lang == "sql" && !text.trim_end().ends_with(';') {
                ";"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out, "```");
}

fn step_section(out: &mut String, p: &MigrationPlan, s: &StepPlan) {
    let _ = writeln!(out, "#### Step {}: {}\n", s.index, s.description);
    let _ = writeln!(
        out,
        "**Change:** {} · **Reversible:** {}  ",
        s.category.label(),
        reversible(s.reversibility)
    );
    if let Some(r) = &s.reason {
        let _ = writeln!(out, "**Reason:** {r}  ");
    }
    match (s.analysis.table_rows, &s.table) {
        (Some(rows), Some(t)) => {
            let _ = writeln!(
                out,
                "**Live data:** `{t}` holds {rows} rows ({}).",
                human_bytes(s.analysis.table_bytes.unwrap_or(0))
            );
        }
        _ => {
            let _ = writeln!(out);
        }
    }
    if let Some(n) = &s.not_analyzed {
        let _ = writeln!(out, "\n_Not counted now: {n}._");
    }
    if !s.analysis.findings.is_empty() || !s.analysis.warnings.is_empty() {
        let _ = writeln!(out);
    }
    for f in &s.analysis.findings {
        let examples = if f.examples.is_empty() {
            String::new()
        } else {
            format!("; e.g. {}", f.examples.join(", "))
        };
        let blocking = f
            .blocking
            .as_ref()
            .map(|b| format!(" — ❌ **refused:** {b}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {}: **{}** — {}{examples}{blocking}",
            f.kind.label(),
            f.count,
            f.handling
        );
    }
    for w in &s.analysis.warnings {
        let _ = writeln!(out, "- ⚠️ {w}");
    }
    for r in &s.analysis.refusals {
        let _ = writeln!(out, "- ❌ **refused:** {r}");
    }
    if let Some(head) = s.combined_into {
        let _ = writeln!(
            out,
            "\nCompiled together with step {head}: the statements listed there make this change too (one statement or one rebuild for the steps on this table)."
        );
    }
    let backups: Vec<&Action> = s
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Backup && a.backup_object.is_some())
        .collect();
    if !backups.is_empty() {
        let _ = writeln!(
            out,
            "\n**Backup** (taken before anything is destroyed or changed):\n"
        );
        for b in &backups {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                b.backup_object.as_deref().unwrap_or_default(),
                b.description
            );
        }
    }
    let forward: Vec<(String, &Statement)> = s
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut title = format!("{}. {}", i + 1, a.description);
            if !a.transactional && p.transactional {
                title.push_str(" (outside the transaction)");
            }
            if a.kind.is_query() {
                title.push_str(&format!(" — must return {}", a.expect));
            }
            (title, &a.forward)
        })
        .collect();
    if !forward.is_empty() {
        let _ = writeln!(out, "\n**Statements**, in order:\n");
        code_block(out, &forward);
    }
    let checks: Vec<&Action> = s.actions.iter().filter(|a| a.kind.is_query()).collect();
    if !checks.is_empty() {
        let _ = writeln!(
            out,
            "\n**Verification** (run by strata; any other count stops the migration):\n"
        );
        for c in checks {
            let _ = writeln!(
                out,
                "- {} — must return {}{}",
                c.description,
                c.expect,
                c.failure
                    .as_ref()
                    .map(|f| format!(" (otherwise: {f})"))
                    .unwrap_or_default()
            );
        }
    }
    let inverse: Vec<(String, &Statement)> = s
        .actions
        .iter()
        .enumerate()
        .rev()
        .filter_map(|(i, a)| {
            a.inverse
                .as_ref()
                .map(|inv| (format!("undo {}. {}", i + 1, a.description), inv))
        })
        .collect();
    let _ = writeln!(out, "\n**Rollback** ({}):\n", s.reversibility.label());
    if let (true, Some(head)) = (inverse.is_empty(), s.combined_into) {
        let _ = writeln!(
            out,
            "With step {head}'s: its rollback undoes this step too."
        );
    } else if inverse.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if s.reversibility == Reversibility::No {
                "This step cannot be undone: nothing keeps what it destroys."
            } else {
                "Nothing to run: the step changes nothing that needs undoing."
            }
        );
    } else {
        code_block(out, &inverse);
    }
    let _ = writeln!(out);
}

fn changes(out: &mut String, g: &GuideInput<'_>) {
    if g.plans.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Schema Changes\n");
    for p in g.plans {
        let _ = writeln!(out, "### Migration {}: {}\n", p.version, p.name);
        if let Some(d) = &p.description {
            let _ = writeln!(out, "{d}\n");
        }
        let _ = writeln!(out, "File: `{}`\n", p.file);
        for s in &p.steps {
            step_section(out, p, s);
        }
    }
    let _ = writeln!(out, "---\n");
}

/// Which actions run under locks and which run online, per migration: the zero-downtime
/// phases of the template, as this engine will run them.
fn phases(out: &mut String, g: &GuideInput<'_>) {
    if g.plans.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Execution Phases
"
    );
    for p in g.plans {
        let actions = p.actions();
        let locked: Vec<&Action> = actions.iter().filter(|a| a.transactional).collect();
        let online: Vec<&Action> = actions.iter().filter(|a| !a.transactional).collect();
        let _ = writeln!(
            out,
            "### Migration {}
",
            p.version
        );
        if p.transactional {
            let _ = writeln!(
                out,
                "1. **One transaction** ({} actions): backups, checks, data changes and schema changes, with the history row. Writers to the tables it alters wait until the commit; a failure rolls everything back.",
                locked.len()
            );
            if online.is_empty() {
                let _ = writeln!(out, "2. Nothing runs outside the transaction.");
            } else {
                let _ = writeln!(
                    out,
                    "2. **Online, after the commit** ({} actions, journaled; an interruption is completed by the next `strata apply`):",
                    online.len()
                );
                for a in online {
                    let _ = writeln!(out, "   - step {}: {}", a.step, a.description);
                }
            }
        } else {
            let _ = writeln!(
                out,
                "The engine commits schema changes one by one, so each of the {} actions runs on its own and is journaled before and after; an interruption is resumed by `strata apply` or undone by `strata rollback`. Data changes commit together with their journal entry{}.",
                actions.len(),
                if locked.is_empty() {
                    String::new()
                } else {
                    format!(" ({} actions)", locked.len())
                }
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "---\n");
}

fn rollback(out: &mut String, g: &GuideInput<'_>, all: &Pending) {
    let _ = writeln!(out, "## Rollback Procedure\n");
    let target = g.applied_version.unwrap_or(0);
    let _ = writeln!(out, "```bash\nstrata rollback --to {target}\n```\n");
    let _ = writeln!(
        out,
        "strata takes the runner lock (`{}`), then undoes the migrations newest first, running the rollback statements of each step above in reverse order{}; rows destroyed or changed are restored from the backups, which are then dropped. A step that cannot be undone makes it refuse before it changes anything. If the apply was interrupted, the same command undoes exactly the actions that ran.",
        g.lock_name,
        if g.transactional {
            ", in one transaction"
        } else {
            ", each journaled so an interrupted rollback resumes"
        }
    );
    let partial: Vec<String> = all
        .steps
        .iter()
        .filter(|s| s.reversibility == Reversibility::Partial)
        .map(|s| format!("step {} ({})", s.index, s.description))
        .collect();
    if !partial.is_empty() {
        let _ = writeln!(
            out,
            "\nPartially reversible: {}. Rows that existed when the migration ran come back exactly; rows written after it are converted back as well as their values allow.",
            partial.join(", ")
        );
    }
    let _ = writeln!(out, "\n---\n");
}

fn validation(out: &mut String, all: &Pending) {
    let _ = writeln!(out, "## Post-Migration Validation\n");
    let _ = writeln!(out, "```bash\nstrata status   # every migration applied, none partial\nstrata verify   # the checks below; exit 1 if one fails\n```\n");
    let _ = writeln!(out, "`strata verify` checks that the applied files are unchanged and no migration is half-applied; that every backup is present and holds the rows it held when the migration finished; that the columns made NOT NULL hold no NULL; that the indexes created are present; and the engine's own integrity (foreign keys hold for every row — on MongoDB the relations strata recorded, and its validators — indexes valid, constraints validated).");
    let expected: Vec<String> = all
        .steps
        .iter()
        .flat_map(|s| {
            s.analysis
                .findings
                .iter()
                .filter(|f| f.blocking.is_none() && f.count > 0)
                .map(move |f| {
                    format!(
                        "- step {} ({}): {} {} — {}",
                        s.index,
                        s.description,
                        f.kind.label(),
                        f.count,
                        f.handling
                    )
                })
        })
        .collect();
    if !expected.is_empty() {
        let _ = writeln!(out, "\nExpected from the live counts:\n");
        for e in expected {
            let _ = writeln!(out, "{e}");
        }
    }
    let _ = writeln!(out, "\n---\n");
}

fn monitoring(out: &mut String, g: &GuideInput<'_>) {
    let _ = writeln!(out, "## Monitoring & Troubleshooting\n");
    let _ = writeln!(out, "```bash\nstrata monitor --watch 5   # lock waits, long-running statements, table sizes\n```\n");
    let timeouts = g
        .checks
        .iter()
        .find(|c| c.check == "timeouts strata uses")
        .map(|c| c.detail.clone())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- **Lock contention**: strata's session waits at most as its timeouts say ({timeouts}); then the action fails{}. `strata monitor` shows who holds the lock.",
        if g.transactional {
            " and the whole transaction rolls back"
        } else {
            ", the actions done so far stay journaled, and `strata apply` resumes or `strata rollback` undoes them"
        }
    );
    let _ = writeln!(out, "- **Interrupted run**: `strata status` shows the migration as partial; `strata apply` completes it, `strata rollback` undoes it.");
    let _ = writeln!(out, "- **Another runner**: a second `strata apply` waits for `{}` (60 s, `--lock-timeout SECS`), saying once who holds it, then resumes; `--lock-timeout 0` exits 4 at once.", g.lock_name);
    let _ = writeln!(out, "- **Out of space**: the backups need about the size of what they keep (see the checklist); drop old backups of applied migrations once they are no longer needed.");
}
