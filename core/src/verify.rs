//! `strata verify`: post-migration validation — history consistent with the files, backups
//! of applied migrations present, and the engine's own integrity checks.

use crate::driver::{Driver, VerifyCheck};
use crate::error::{Error, Result};
use crate::history::{self, MigrationState, RecordStatus};
use crate::migration::Migration;

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
    for r in records.iter().filter(|r| r.status == RecordStatus::Applied) {
        for object in r
            .journal
            .iter()
            .filter_map(|e| e.action.backup_object.as_ref())
        {
            if snapshot.tables.contains_key(object) {
                present += 1;
            } else {
                missing.push(format!("{object} (migration {})", r.version));
            }
        }
    }
    checks.push(VerifyCheck {
        check: "backups of applied migrations present".into(),
        ok: missing.is_empty(),
        detail: if missing.is_empty() {
            format!("{present} backups present")
        } else {
            format!("missing: {}", missing.join(", "))
        },
    });
    match driver.verify().await {
        Ok(engine) => checks.extend(engine),
        Err(Error::NotSupported { .. }) => {}
        Err(e) => return Err(e),
    }
    Ok(checks)
}
