//! The history model (`strata_migrations`) and the status of each migration: applied,
//! pending, partially applied, drifted or missing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::migration::Migration;

/// The name of the history table or collection.
pub const HISTORY_TABLE: &str = "strata_migrations";

/// A history record's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Started and not finished: some actions may remain (see the journal).
    Running,
    /// Every action ran.
    Applied,
    /// An action failed outside a transaction; the journal says which.
    Failed,
    /// Undone by `strata rollback`.
    RolledBack,
}

impl RecordStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Applied => "applied",
            Self::Failed => "failed",
            Self::RolledBack => "rolled_back",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => Self::Running,
            "applied" => Self::Applied,
            "failed" => Self::Failed,
            "rolled_back" => Self::RolledBack,
            _ => return None,
        })
    }
}

/// Where one action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Not run.
    Pending,
    /// Started; it may or may not have taken effect (the done probe tells).
    Started,
    /// Done.
    Done,
    /// Undone by rollback.
    Undone,
}

/// One journaled action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The action, exactly as compiled when the migration was applied.
    pub action: Action,
    /// Where it stands.
    pub state: ActionState,
    /// For a backup: the rows it held when the migration finished, which `strata verify`
    /// compares with what it holds now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_rows: Option<u64>,
    /// For a backup: dropped since by `strata backups drop`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backup_dropped: bool,
}

/// One row of `strata_migrations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// Migration version.
    pub version: u64,
    /// Migration name.
    pub name: String,
    /// Checksum of the file when it was applied.
    pub checksum: String,
    /// Status.
    pub status: RecordStatus,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Duration in milliseconds.
    pub execution_ms: Option<i64>,
    /// The OS user that ran it.
    pub applied_by: String,
    /// Number of actions.
    pub actions_total: i32,
    /// Number done.
    pub actions_done: i32,
    /// Every action and its state; rollback runs the inverses recorded here.
    pub journal: Vec<JournalEntry>,
    /// strata's version.
    pub strata_version: String,
}

impl HistoryRecord {
    /// A fresh `running` record for `migration` with `actions` pending.
    pub fn start(migration: &Migration, actions: Vec<Action>) -> Self {
        HistoryRecord {
            version: migration.version,
            name: migration.name.clone(),
            checksum: migration.checksum.clone(),
            status: RecordStatus::Running,
            started_at: Utc::now(),
            finished_at: None,
            execution_ms: None,
            applied_by: whoami(),
            actions_total: actions.len() as i32,
            actions_done: 0,
            journal: actions
                .into_iter()
                .map(|action| JournalEntry {
                    action,
                    state: ActionState::Pending,
                    backup_rows: None,
                    backup_dropped: false,
                })
                .collect(),
            strata_version: crate::VERSION.to_owned(),
        }
    }

    /// Sets an action's state and recounts `actions_done`.
    pub fn set_state(&mut self, index: usize, state: ActionState) {
        self.journal[index].state = state;
        self.actions_done = self
            .journal
            .iter()
            .filter(|e| e.state == ActionState::Done)
            .count() as i32;
    }

    /// Marks the record finished with `status`.
    pub fn finish(&mut self, status: RecordStatus) {
        let now = Utc::now();
        self.status = status;
        self.finished_at = Some(now);
        self.execution_ms = Some((now - self.started_at).num_milliseconds());
    }
}

fn whoami() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// The state of one migration, from its file and its history record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    /// Not applied (or rolled back).
    Pending,
    /// Applied, file unchanged.
    Applied,
    /// Started and not finished (online actions pending, or interrupted): `apply` completes it.
    Partial,
    /// An action failed; `apply` retries from it, `rollback` undoes what was done.
    Failed,
    /// Applied, but the file has changed since.
    Drifted,
    /// Applied, but the file is gone.
    Missing,
}

impl MigrationState {
    /// The label used in listings.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Drifted => "DRIFTED",
            Self::Missing => "MISSING",
        }
    }
}

/// One line of `strata status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationStatus {
    /// Version.
    pub version: u64,
    /// Name.
    pub name: String,
    /// The file, when it exists.
    pub file: Option<String>,
    /// State.
    pub state: MigrationState,
    /// When it was applied.
    pub applied_at: Option<DateTime<Utc>>,
    /// Actions done / total, for partial and failed runs.
    pub progress: Option<(i32, i32)>,
}

/// Matches files against history: every file and every record appears once, by version.
pub fn status(migrations: &[Migration], history: &[HistoryRecord]) -> Vec<MigrationStatus> {
    let mut out: Vec<MigrationStatus> = migrations
        .iter()
        .map(|m| {
            let record = history.iter().find(|r| r.version == m.version);
            let state = match record {
                None => MigrationState::Pending,
                Some(r) => match r.status {
                    RecordStatus::RolledBack => MigrationState::Pending,
                    _ if r.checksum != m.checksum => MigrationState::Drifted,
                    RecordStatus::Applied => MigrationState::Applied,
                    RecordStatus::Running => MigrationState::Partial,
                    RecordStatus::Failed => MigrationState::Failed,
                },
            };
            MigrationStatus {
                version: m.version,
                name: m.name.clone(),
                file: Some(m.file.clone()),
                state,
                applied_at: record
                    .filter(|r| r.status == RecordStatus::Applied)
                    .and_then(|r| r.finished_at),
                progress: record
                    .filter(|r| matches!(r.status, RecordStatus::Running | RecordStatus::Failed))
                    .map(|r| (r.actions_done, r.actions_total)),
            }
        })
        .collect();
    for r in history {
        if r.status != RecordStatus::RolledBack
            && !migrations.iter().any(|m| m.version == r.version)
        {
            out.push(MigrationStatus {
                version: r.version,
                name: r.name.clone(),
                file: None,
                state: MigrationState::Missing,
                applied_at: r.finished_at,
                progress: None,
            });
        }
    }
    out.sort_by_key(|s| s.version);
    out
}
