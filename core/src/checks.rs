//! Pre-migration checks, run by `plan`, `apply` and `guide`: is the server a supported
//! version with the features strata needs, is there room for the backups, is a transaction
//! already holding the tables the migration touches, and which timeouts strata will use.
//! Drivers report [`ServerFacts`]; core judges them, the same way on every engine.

use serde::Serialize;

use crate::action::ActionKind;
use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::plan::MigrationPlan;
pub use crate::server_facts::{Feature, OpenTransaction, ServerFacts};
use crate::QualifiedName;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Passed.
    Ok,
    /// Passed, with something to know.
    Warning,
    /// Failed: `apply` refuses to run.
    Failed,
    /// The engine cannot tell.
    Unknown,
}

impl Status {
    /// `ok`, `warning`, `FAILED`, `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Failed => "FAILED",
            Status::Unknown => "unknown",
        }
    }
}

/// One pre-migration check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What was checked.
    pub check: String,
    /// The outcome.
    pub status: Status,
    /// The numbers behind it.
    pub detail: String,
}

/// What the checks need to know of the pending migrations: the tables they touch, and the
/// bytes their backups will take, estimated from table sizes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs {
    /// Tables the migrations touch.
    pub tables: Vec<QualifiedName>,
    /// How many steps take a backup.
    pub backups: usize,
    /// Estimated backup size.
    pub backup_bytes: u64,
}

impl Needs {
    /// The needs of `plans`: every table a step works on, and the size of each table a step
    /// backs up (a whole table for a drop, an upper bound for a column).
    pub fn of(plans: &[MigrationPlan]) -> Self {
        let mut tables: Vec<QualifiedName> = Vec::new();
        let mut backup_bytes = 0;
        let mut backups = 0;
        for plan in plans {
            for step in &plan.steps {
                if let Some(t) = &step.table {
                    if !tables.contains(t) {
                        tables.push(t.clone());
                    }
                }
                if step.actions.iter().any(|a| a.kind == ActionKind::Backup) {
                    backups += 1;
                    backup_bytes += step.analysis.table_bytes.unwrap_or(0);
                }
            }
        }
        Needs {
            tables,
            backups,
            backup_bytes,
        }
    }
}

/// Runs the checks for `needs` on `driver`'s server.
pub async fn run(driver: &dyn Driver, needs: &Needs) -> Result<Vec<Check>> {
    let Some(server) = driver.server() else {
        return Ok(vec![Check {
            check: "server checks".into(),
            status: Status::Unknown,
            detail: format!("the {} driver reports no server facts", driver.name()),
        }]);
    };
    let facts = server.server_facts(&needs.tables).await?;
    Ok(judge(&facts, needs))
}

/// The server facts of one command, collected once and judged for each migration: the
/// version, features and timeouts do not change while a command runs. They are collected
/// again for a migration that backs up data (free space) or touches a table that existed when
/// the command started (transactions open on it); a migration that only creates tables is
/// judged on the facts already read.
#[derive(Debug, Default)]
pub struct PerCommand {
    facts: Option<ServerFacts>,
}

impl PerCommand {
    /// The checks for `needs`; `existing` says whether a table existed when the command began.
    pub async fn run(
        &mut self,
        driver: &dyn Driver,
        needs: &Needs,
        existing: impl Fn(&QualifiedName) -> bool,
    ) -> Result<Vec<Check>> {
        let Some(server) = driver.server() else {
            return run(driver, needs).await;
        };
        let fresh = needs.backups > 0 || needs.tables.iter().any(existing);
        match &self.facts {
            Some(facts) if !fresh => Ok(judge(facts, needs)),
            _ => {
                let facts = server.server_facts(&needs.tables).await?;
                let checks = judge(&facts, needs);
                self.facts = Some(facts);
                Ok(checks)
            }
        }
    }
}

/// Judges `facts` against `needs`.
pub fn judge(facts: &ServerFacts, needs: &Needs) -> Vec<Check> {
    let mut checks = vec![Check {
        check: "server version supported".into(),
        status: if facts.supported {
            Status::Ok
        } else {
            Status::Failed
        },
        detail: format!(
            "{} (strata needs {} or later)",
            facts.version, facts.minimum_version
        ),
    }];
    for f in &facts.features {
        checks.push(Check {
            check: format!("feature: {}", f.name),
            status: match (f.present, f.required) {
                (true, _) => Status::Ok,
                (false, true) => Status::Failed,
                (false, false) => Status::Warning,
            },
            detail: f.detail.clone(),
        });
    }
    let need = human_bytes(needs.backup_bytes);
    checks.push(match facts.free_bytes {
        _ if needs.backups == 0 => Check {
            check: "free space for backups".into(),
            status: Status::Ok,
            detail: "no backup is taken".into(),
        },
        _ if needs.backup_bytes == 0 => Check {
            check: "free space for backups".into(),
            status: Status::Ok,
            detail: format!(
                "{} backups, of tables that are empty now or created by this plan",
                needs.backups
            ),
        },
        Some(free) if free >= needs.backup_bytes.saturating_mul(2) => Check {
            check: "free space for backups".into(),
            status: Status::Ok,
            detail: format!(
                "need about {need} (estimated from table sizes), {} free ({})",
                human_bytes(free),
                facts.free_space_note
            ),
        },
        Some(free) if free >= needs.backup_bytes => Check {
            check: "free space for backups".into(),
            status: Status::Warning,
            detail: format!(
                "need about {need}, only {} free ({}): less than twice the backups",
                human_bytes(free),
                facts.free_space_note
            ),
        },
        Some(free) => Check {
            check: "free space for backups".into(),
            status: Status::Failed,
            detail: format!(
                "need about {need}, only {} free ({})",
                human_bytes(free),
                facts.free_space_note
            ),
        },
        None => Check {
            check: "free space for backups".into(),
            status: Status::Unknown,
            detail: format!(
                "need about {need} (estimated from table sizes); free space unknown: {}",
                facts.free_space_note
            ),
        },
    });
    let scope = if facts.transactions_per_table {
        "on the tables to be touched"
    } else {
        "on the database (the server does not say which tables they hold)"
    };
    checks.push(if facts.open_transactions.is_empty() {
        Check {
            check: "no long-running transaction".into(),
            status: Status::Ok,
            detail: format!("none open for 1 s or more {scope}"),
        }
    } else {
        let list: Vec<String> = facts
            .open_transactions
            .iter()
            .map(|t| {
                format!(
                    "session {}{} open {} s: {}",
                    t.session,
                    t.table
                        .as_deref()
                        .map(|t| format!(" on {t}"))
                        .unwrap_or_default(),
                    t.open_for.as_secs(),
                    t.statement.chars().take(80).collect::<String>()
                )
            })
            .collect();
        Check {
            check: "no long-running transaction".into(),
            status: Status::Warning,
            detail: format!(
                "{} open {scope}; strata's locks will wait for them (see timeouts): {}",
                list.len(),
                list.join("; ")
            ),
        }
    });
    checks.push(Check {
        check: "timeouts strata uses".into(),
        status: Status::Ok,
        detail: facts
            .timeouts
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    });
    checks
}

/// Refuses when a check failed.
pub fn ensure_passed(checks: &[Check]) -> Result<()> {
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c.status == Status::Failed)
        .map(|c| format!("{}: {}", c.check, c.detail))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::refused(crate::Refusal::new(
            crate::RefusalKind::Check,
            format!(
                "pre-migration checks failed; nothing was executed:\n  {}",
                failed.join("\n  ")
            ),
        )))
    }
}

/// `512 B`, `3.2 MiB`, `1.5 GiB`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Whether `version` (`15.4`, `10.11.6-MariaDB`, `3.46.0`) is at least `minimum` (`12`,
/// `10.6`, `3.35`), comparing the leading numbers.
pub fn version_at_least(version: &str, minimum: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.split(|c: char| !c.is_ascii_digit() && c != '.')
            .next()
            .unwrap_or_default()
            .split('.')
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let (v, m) = (parse(version), parse(minimum));
    for (i, wanted) in m.iter().enumerate() {
        let got = v.get(i).copied().unwrap_or(0);
        if got != *wanted {
            return got > *wanted;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_their_leading_numbers() {
        assert!(version_at_least("15.4 (Debian 15.4-1)", "12"));
        assert!(!version_at_least("11.9", "12"));
        assert!(version_at_least("10.11.6-MariaDB-0+deb12u1", "10.6"));
        assert!(!version_at_least("10.5.2-MariaDB", "10.6"));
        assert!(version_at_least("3.46.0", "3.35"));
        assert!(!version_at_least("3.31.1", "3.35"));
    }

    #[test]
    fn space_is_judged_against_the_backups() {
        let facts = ServerFacts {
            version: "1".into(),
            minimum_version: "1".into(),
            supported: true,
            free_bytes: Some(1500),
            free_space_note: "df".into(),
            ..ServerFacts::default()
        };
        let status = |backup_bytes| {
            judge(
                &facts,
                &Needs {
                    tables: vec![],
                    backups: usize::from(backup_bytes > 0),
                    backup_bytes,
                },
            )
            .into_iter()
            .find(|c| c.check == "free space for backups")
            .unwrap()
            .status
        };
        assert_eq!(status(500), Status::Ok);
        assert_eq!(status(1000), Status::Warning);
        assert_eq!(status(2000), Status::Failed);
        assert_eq!(status(0), Status::Ok);
        assert!(ensure_passed(&judge(
            &facts,
            &Needs {
                tables: vec![],
                backups: 1,
                backup_bytes: 2000
            }
        ))
        .is_err());
    }
}
