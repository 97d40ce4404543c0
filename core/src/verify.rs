//! `strata verify`: post-migration validation — history consistent with the files, backups
//! of applied migrations present and holding the rows they held, the columns migrations made
//! NOT NULL free of NULLs, the indexes they created present, and the engine's own integrity
//! checks (foreign keys, or on MongoDB the relations strata recorded).

use crate::driver::{Driver, DriverExt, VerifyCheck};
use crate::error::{Error, Result};
use crate::history::{self, MigrationState, RecordStatus};
use crate::migration::Migration;
use crate::schema::Snapshot;
use crate::steps::StepKind;
use crate::QualifiedName;

/// Runs every check; the caller decides what a failed check means.
pub async fn verify(driver: &dyn Driver, migrations: &[Migration]) -> Result<Vec<VerifyCheck>> {
    let records = driver.history().await?;
    let statuses = history::status(migrations, &records);
    let mut checks = Vec::new();
    let bad: Vec<String> = statuses
        .iter()
        .filter(|s| matches!(s.state, MigrationState::Drifted | MigrationState::Missing))
        .map(|s| format!("{} {}", s.version, s.state.label()))
        .collect();
    checks.push(VerifyCheck {
        check: "applied migration files unchanged".into(),
        ok: bad.is_empty(),
        detail: if bad.is_empty() {
            format!("{} files match their history", statuses.len())
        } else {
            bad.join(", ")
        },
    });
    let unfinished: Vec<String> = statuses
        .iter()
        .filter(|s| matches!(s.state, MigrationState::Partial | MigrationState::Failed))
        .map(|s| format!("{} {}", s.version, s.state.label()))
        .collect();
    checks.push(VerifyCheck {
        check: "no partially applied migration".into(),
        ok: unfinished.is_empty(),
        detail: if unfinished.is_empty() {
            "none".into()
        } else {
            unfinished.join(", ")
        },
    });
    let snapshot = driver.inspect().await?;
    let mut missing = Vec::new();
    let mut present = 0;
    let mut dropped = 0;
    let mut counted = 0;
    let mut changed = Vec::new();
    for r in records.iter().filter(|r| r.status == RecordStatus::Applied) {
        for entry in &r.journal {
            let Some(object) = &entry.action.backup_object else {
                continue;
            };
            if entry.backup_dropped {
                dropped += 1;
            } else if !snapshot.tables.contains_key(object) {
                missing.push(format!("{object} (migration {})", r.version));
            } else {
                present += 1;
                if let Some(then) = entry.backup_rows {
                    let name: QualifiedName = object.parse().map_err(Error::Usage)?;
                    let now = driver
                        .rows_for("counting the rows of a backup")?
                        .count_rows(&name)
                        .await?;
                    counted += 1;
                    if now != then {
                        changed.push(format!(
                            "{object}: {now} rows, {then} when migration {} finished",
                            r.version
                        ));
                    }
                }
            }
        }
    }
    let dropped_note = if dropped > 0 {
        format!(" ({dropped} dropped by `strata backups drop`)")
    } else {
        String::new()
    };
    checks.push(VerifyCheck {
        check: "backups of applied migrations present".into(),
        ok: missing.is_empty(),
        detail: if missing.is_empty() {
            format!("{present} backups present{dropped_note}")
        } else {
            format!("missing: {}{dropped_note}", missing.join(", "))
        },
    });
    checks.push(VerifyCheck {
        check: "backups hold the rows they held".into(),
        ok: changed.is_empty(),
        detail: if changed.is_empty() {
            format!("{counted} backups counted, each as recorded when its migration finished")
        } else {
            changed.join("; ")
        },
    });
    checks.push(not_null_check(driver, migrations, &records, &snapshot).await?);
    checks.push(index_check(migrations, &records, &snapshot));
    if let Some(server) = driver.server() {
        checks.extend(server.verify().await?);
    }
    Ok(checks)
}

/// The applied migrations, in order, with their files.
fn applied<'m>(
    migrations: &'m [Migration],
    records: &[crate::HistoryRecord],
) -> Vec<&'m Migration> {
    migrations
        .iter()
        .filter(|m| {
            records
                .iter()
                .any(|r| r.version == m.version && r.status == RecordStatus::Applied)
        })
        .collect()
}

/// The columns applied migrations made or created NOT NULL, still in the schema, hold no NULL.
async fn not_null_check(
    driver: &dyn Driver,
    migrations: &[Migration],
    records: &[crate::HistoryRecord],
    snapshot: &Snapshot,
) -> Result<VerifyCheck> {
    let mut columns: Vec<(QualifiedName, String)> = Vec::new();
    for m in applied(migrations, records) {
        for step in &m.steps {
            let found: Vec<(QualifiedName, String)> = match &step.kind {
                StepKind::SetNotNull(s) => vec![(s.table.clone(), s.column.clone())],
                StepKind::AddColumn(s) if !s.nullable => vec![(s.table.clone(), s.column.clone())],
                StepKind::CreateTable(s) => s
                    .columns
                    .iter()
                    .filter(|c| !c.nullable || c.primary_key)
                    .map(|c| (s.table.clone(), c.name.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            for c in found {
                if !columns.contains(&c) {
                    columns.push(c);
                }
            }
        }
    }
    let Some(rows) = driver.rows() else {
        return Ok(VerifyCheck {
            check: "NOT NULL columns free of NULLs".into(),
            ok: true,
            detail: format!(
                "not checked: the {} driver cannot count rows ({} NOT NULL columns)",
                driver.name(),
                columns.len()
            ),
        });
    };
    let mut checked = 0;
    let mut with_nulls = Vec::new();
    for (table, column) in &columns {
        let still = snapshot
            .table(table)
            .is_some_and(|t| t.columns.iter().any(|c| &c.name == column && !c.nullable));
        if !still {
            continue;
        }
        checked += 1;
        let n = rows.count_nulls(table, column).await?;
        if n > 0 {
            with_nulls.push(format!("{table}.{column} ({n} NULLs)"));
        }
    }
    Ok(VerifyCheck {
        check: "NOT NULL columns free of NULLs".into(),
        ok: with_nulls.is_empty(),
        detail: if with_nulls.is_empty() {
            format!("{checked} columns made NOT NULL by migrations checked")
        } else {
            with_nulls.join(", ")
        },
    })
}

/// The indexes applied migrations created, and did not drop since, exist.
fn index_check(
    migrations: &[Migration],
    records: &[crate::HistoryRecord],
    snapshot: &Snapshot,
) -> VerifyCheck {
    // (table, index), following the migrations: an index goes with a dropped table, and moves
    // with a renamed one.
    let mut expected: Vec<(QualifiedName, String)> = Vec::new();
    for m in applied(migrations, records) {
        for step in &m.steps {
            match &step.kind {
                StepKind::AddIndex(s) => expected.push((s.table.clone(), s.index_name())),
                StepKind::AddUnique(s) => expected.push((s.table.clone(), s.constraint_name())),
                StepKind::DropIndex(s) => expected.retain(|(_, n)| n != &s.name),
                StepKind::DropTable(s) => expected.retain(|(t, _)| t != &s.table),
                StepKind::RenameTable(s) => {
                    for (t, _) in expected.iter_mut().filter(|(t, _)| t == &s.table) {
                        *t = s.table.with_name(s.to.clone());
                    }
                }
                _ => {}
            }
        }
    }
    let expected: Vec<String> = expected.into_iter().map(|(_, n)| n).collect();
    let missing: Vec<&String> = expected
        .iter()
        .filter(|name| {
            !snapshot.tables.values().any(|t| {
                t.indexes.iter().any(|i| &&i.name == name)
                    || t.constraints.iter().any(|c| &&c.name == name)
            })
        })
        .collect();
    VerifyCheck {
        check: "indexes created by migrations present".into(),
        ok: missing.is_empty(),
        detail: if missing.is_empty() {
            format!("{} indexes present", expected.len())
        } else {
            format!(
                "missing: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    }
}
