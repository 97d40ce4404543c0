//! Human-readable output: status tables, plans with their changes summary and impact
//! assessment, verify results and the driver list.

use std::fmt::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use strata_core::history::MigrationStatus;
use strata_core::plan::{human, MigrationPlan};
use strata_core::registry::RegisteredDriver;
use strata_core::VerifyCheck;

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

/// `strata status`.
pub fn status(statuses: &[MigrationStatus]) -> String {
    if statuses.is_empty() {
        return "no migrations found\n".into();
    }
    let mut t = table(&["Version", "Name", "State", "Applied at", "File"]);
    for s in statuses {
        let state = match s.progress {
            Some((done, total)) => format!("{} ({done}/{total} actions)", s.state.label()),
            None => s.state.label().to_owned(),
        };
        t.add_row(vec![
            s.version.to_string(),
            s.name.clone(),
            state,
            s.applied_at
                .map(|a| a.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
            s.file.clone().unwrap_or_else(|| "(file missing)".into()),
        ]);
    }
    format!("{t}\n")
}

/// `strata plan` and `strata apply --dry-run`.
pub fn plan(p: &MigrationPlan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Migration {} — {} ({})", p.version, p.name, p.file);
    if let Some(d) = &p.description {
        let _ = writeln!(out, "  {d}");
    }
    let _ = writeln!(out, "\nChanges summary");
    let mut t = table(&["Change type", "Count", "Reversible"]);
    for row in &p.summary {
        t.add_row(vec![
            row.category.label().to_owned(),
            row.count.to_string(),
            row.reversible.label().to_owned(),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let i = &p.impact;
    let _ = writeln!(out, "\nImpact assessment");
    let _ = writeln!(
        out,
        "  Data loss risk:      {} — {}",
        i.data_loss_risk.label(),
        i.data_loss_reason
    );
    let _ = writeln!(
        out,
        "  Downtime required:   {} — {}",
        if i.downtime { "YES" } else { "NO" },
        i.downtime_reason
    );
    let _ = writeln!(
        out,
        "  Rollback complexity: {}",
        i.rollback_complexity.label()
    );
    let _ = writeln!(out, "  Estimated duration:  {}", human(i.estimated));
    let losses = p.unbacked_losses();
    if !losses.is_empty() {
        let _ = writeln!(
            out,
            "\nData kept by no backup (apply refuses it without --allow-data-loss)"
        );
        for l in losses {
            let _ = writeln!(out, "  {l}");
        }
    }
    let _ = writeln!(out, "\nSteps");
    for s in &p.steps {
        let _ = writeln!(
            out,
            "  {}. {} [reversible: {}]",
            s.index,
            s.description,
            s.reversibility.label()
        );
        if let Some(r) = &s.reason {
            let _ = writeln!(out, "     reason: {r}");
        }
        if let Some(rows) = s.analysis.table_rows {
            let _ = writeln!(
                out,
                "     table: {rows} rows, {} bytes",
                s.analysis.table_bytes.unwrap_or(0)
            );
        }
        if let Some(n) = &s.not_analyzed {
            let _ = writeln!(out, "     not counted: {n}");
        }
        for f in &s.analysis.findings {
            let _ = writeln!(out, "     {}: {} — {}", f.kind.label(), f.count, f.handling);
            for e in &f.examples {
                let _ = writeln!(out, "       e.g. {e}");
            }
            if let Some(b) = &f.blocking {
                let _ = writeln!(out, "     REFUSED: {b}");
            }
        }
        for r in &s.analysis.refusals {
            let _ = writeln!(out, "     REFUSED: {r}");
        }
        for w in &s.analysis.warnings {
            let _ = writeln!(out, "     warning: {w}");
        }
        if let Some(head) = s.combined_into {
            let _ = writeln!(
                out,
                "     - compiled together with step {head}: its actions, listed there, make this change too"
            );
        }
        for a in &s.actions {
            let place = match (p.transactional, a.transactional) {
                (true, false) => ", after commit",
                (false, true) => ", with its journal entry",
                _ => "",
            };
            let _ = writeln!(out, "     - [{:?}{place}] {}", a.kind, a.description);
            for line in a.forward.to_string().lines() {
                let _ = writeln!(out, "         {line}");
            }
        }
    }
    let refusals = p.refusals();
    if !refusals.is_empty() {
        let _ = writeln!(
            out,
            "\nThis migration is REFUSED; nothing will run until this is fixed:"
        );
        for r in refusals {
            let _ = writeln!(out, "  - {r}");
        }
    }
    out
}

/// `strata verify`.
pub fn verify(checks: &[VerifyCheck]) -> String {
    let mut t = table(&["Check", "Result", "Detail"]);
    for c in checks {
        t.add_row(vec![
            c.check.clone(),
            if c.ok { "ok" } else { "FAILED" }.into(),
            c.detail.clone(),
        ]);
    }
    format!("{t}\n")
}

/// `strata drivers`.
pub fn drivers(list: &[RegisteredDriver]) -> String {
    let mut t = table(&["Driver", "URL schemes", "Origin", "Capabilities"]);
    for d in list {
        let caps: Vec<String> = d
            .capabilities
            .entries()
            .iter()
            .map(|(n, v)| format!("{n}: {}", if *v { "yes" } else { "no" }))
            .collect();
        t.add_row(vec![
            d.name.to_owned(),
            d.url_schemes.join(", "),
            d.origin.to_string(),
            caps.join("\n"),
        ]);
    }
    format!("{t}\n")
}

/// `strata monitor`.
pub fn monitor(r: &strata_core::monitor::Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {}",
        r.engine,
        r.server_version,
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    );
    let a = &r.activity;
    let _ = writeln!(out, "\nLock waits ({})", a.lock_waits.len());
    if !a.lock_waits.is_empty() {
        let mut t = table(&[
            "Blocked",
            "Waiting",
            "Blocked statement",
            "Blocking",
            "Blocking statement",
            "Lock",
        ]);
        for w in &a.lock_waits {
            t.add_row(vec![
                w.blocked_session.clone(),
                human(w.waiting_for),
                w.blocked_statement.clone(),
                w.blocking_session.clone(),
                w.blocking_statement.clone(),
                w.lock.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    let _ = writeln!(out, "\nLong-running statements ({})", a.long_running.len());
    if !a.long_running.is_empty() {
        let mut t = table(&["Session", "State", "Running", "Statement"]);
        for s in &a.long_running {
            t.add_row(vec![
                s.session.clone(),
                s.state.clone(),
                human(s.running_for),
                s.statement.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    for n in &a.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    let _ = writeln!(out, "\nTables ({})", r.tables.len());
    let mut t = table(&["Table", "Rows", "Bytes"]);
    for s in &r.tables {
        t.add_row(vec![
            s.table.clone(),
            s.rows.to_string(),
            s.bytes.to_string(),
        ]);
    }
    let _ = writeln!(out, "{t}");
    out
}

/// The pre-migration checks.
pub fn checks(checks: &[strata_core::checks::Check]) -> String {
    let mut t = table(&["Pre-migration check", "Result", "Detail"]);
    for c in checks {
        t.add_row(vec![
            c.check.clone(),
            c.status.label().to_owned(),
            c.detail.clone(),
        ]);
    }
    format!("\n{t}\n")
}

/// `strata backups list`.
pub fn backups(list: &[strata_core::backups::Backup]) -> String {
    if list.is_empty() {
        return "no backups\n".into();
    }
    let mut t = table(&[
        "Backup",
        "Migration",
        "Migration state",
        "Applied at",
        "Rows",
        "Size",
    ]);
    for b in list {
        t.add_row(vec![
            b.name.clone(),
            b.migration.map(|v| v.to_string()).unwrap_or_default(),
            b.migration_status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "not recorded".into()),
            b.applied_at
                .map(|a| a.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
            b.rows.to_string(),
            strata_core::checks::human_bytes(b.bytes),
        ]);
    }
    format!("{t}\n")
}
