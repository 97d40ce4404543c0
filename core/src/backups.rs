//! `strata backups`: the in-database backups (`strata_bak_<version>_…`) strata keeps so that
//! rollback can restore what a migration destroyed — listed, and dropped once old enough.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::driver::{Driver, StepContext};
use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordStatus};
use crate::migration::{parse_str, Format};
use crate::schema::Snapshot;

/// One in-database backup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backup {
    /// The backup table or collection.
    pub name: String,
    /// The migration that took it, read from its name.
    pub migration: Option<u64>,
    /// That migration's state in the history (`applied`, `rolled_back`, …), if recorded.
    pub migration_status: Option<RecordStatus>,
    /// When that migration finished.
    pub applied_at: Option<DateTime<Utc>>,
    /// Rows it holds.
    pub rows: u64,
    /// Its size.
    pub bytes: u64,
}

/// The version in a backup's name: `strata_bak_<version>_…`.
pub fn version_of(name: &str) -> Option<u64> {
    name.strip_prefix("strata_bak_")?
        .split('_')
        .next()?
        .parse()
        .ok()
}

/// Every backup in the database, oldest migration first.
pub async fn list(driver: &dyn Driver) -> Result<Vec<Backup>> {
    let history = driver.history().await.unwrap_or_default();
    let record = |v: Option<u64>| -> Option<&HistoryRecord> {
        v.and_then(|v| history.iter().find(|r| r.version == v))
    };
    let mut out: Vec<Backup> = driver
        .inspect()
        .await?
        .tables
        .values()
        .filter(|t| t.name.name.starts_with("strata_bak_"))
        .map(|t| {
            let migration = version_of(&t.name.name);
            let r = record(migration);
            Backup {
                name: t.name.to_string(),
                migration,
                migration_status: r.map(|r| r.status),
                applied_at: r.and_then(|r| r.finished_at),
                rows: t.rows,
                bytes: t.size_bytes,
            }
        })
        .collect();
    out.sort_by(|a, b| a.migration.cmp(&b.migration).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The backups of migrations that finished more than `days` days before `now`.
pub fn older_than(backups: &[Backup], days: u64, now: DateTime<Utc>) -> Vec<Backup> {
    let limit = now - Duration::days(days as i64);
    backups
        .iter()
        .filter(|b| b.applied_at.is_some_and(|at| at < limit))
        .cloned()
        .collect()
}

/// Drops `backups` with the driver's own `drop_table` step (no backup of the backup), then
/// marks them dropped in their migrations' journals, for `strata verify` and for rollback.
/// Whatever was dropped is marked, even if a later drop fails.
pub async fn drop_all(driver: &dyn Driver, backups: &[Backup]) -> Result<()> {
    let unqualified = |name: &str| name.rsplit('.').next().unwrap_or_default().to_owned();
    if let Some(b) = backups
        .iter()
        .find(|b| version_of(&unqualified(&b.name)).is_none())
    {
        return Err(Error::Usage(format!("{} is not a strata backup", b.name)));
    }
    let snapshot = driver.inspect().await?;
    let mut dropped: Vec<&str> = Vec::new();
    let mut outcome = Ok(());
    for b in backups {
        if let Err(e) = drop_one(driver, &snapshot, &b.name).await {
            outcome = Err(e);
            break;
        }
        dropped.push(&b.name);
    }
    let mut history = driver.history().await?;
    for record in history.iter_mut() {
        let mut marked = false;
        for e in record.journal.iter_mut() {
            if e.action
                .backup_object
                .as_deref()
                .is_some_and(|o| dropped.contains(&o))
            {
                e.backup_dropped = true;
                marked = true;
            }
        }
        if marked {
            driver.record(record).await?;
        }
    }
    outcome
}

async fn drop_one(driver: &dyn Driver, snapshot: &Snapshot, name: &str) -> Result<()> {
    let text = serde_json::json!({
        "step": [{ "op": "drop_table", "table": name, "backup": false }],
    })
    .to_string();
    let migration = parse_str("(backups drop)", &text, Format::Json, 0, "backups_drop")?;
    let actions = driver.compile(StepContext {
        migration: &migration,
        step: &migration.steps[0],
        snapshot,
    })?;
    for a in actions.iter().filter(|a| !a.kind.is_query()) {
        driver.execute(&a.forward).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_the_name() {
        assert_eq!(version_of("strata_bak_12_users_age"), Some(12));
        assert_eq!(version_of("strata_bak_x"), None);
        assert_eq!(version_of("users"), None);
    }

    #[test]
    fn only_backups_of_migrations_finished_before_the_limit_are_old() {
        let now = Utc::now();
        let b = |name: &str, days: Option<i64>| Backup {
            name: name.into(),
            migration: version_of(name),
            migration_status: None,
            applied_at: days.map(|d| now - Duration::days(d)),
            rows: 0,
            bytes: 0,
        };
        let all = [
            b("strata_bak_1_a", Some(40)),
            b("strata_bak_2_b", Some(3)),
            b("strata_bak_3_c", None),
        ];
        let old: Vec<String> = older_than(&all, 30, now)
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(old, ["strata_bak_1_a"]);
    }
}
