//! The `Driver` trait every engine implements, its `Capabilities`, and the pre-flight
//! `Analysis` model.

use async_trait::async_trait;
use serde::Serialize;

use crate::action::{Action, Statement};
use crate::error::{Error, Result, StepLocation};
use crate::history::HistoryRecord;
use crate::migration::Migration;
use crate::schema::Snapshot;
use crate::steps::Step;
use crate::value::{portable_fingerprint, Fingerprint, Row};
use crate::{PortableType, QualifiedName};

/// What an engine can do. The runner and the conformance suite read these; a difference
/// between engines is a declared capability, never a silent divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// DDL runs inside transactions: a migration's actions and its history row commit together.
    pub transactional_ddl: bool,
    /// DML runs inside transactions: where DDL does not, each DML action commits together with
    /// its journal entry, so it is done exactly once even if the runner dies.
    pub transactional_dml: bool,
    /// Indexes can be built without blocking writes.
    pub online_index: bool,
    /// The server enforces foreign keys on every write.
    pub enforced_foreign_keys: bool,
    /// The runner lock is a server-side lock that dies with the session.
    pub advisory_lock: bool,
    /// Rollback puts a dropped column back at its original position.
    pub preserves_column_order: bool,
    /// Table names may be schema-qualified.
    pub schemas: bool,
    /// Foreign keys can be added without checking existing rows, then validated.
    pub deferred_fk_validation: bool,
    /// The server fills a column's default into rows inserted without it.
    pub column_defaults: bool,
}

impl Capabilities {
    /// Nothing supported; drivers switch on what they have.
    pub const NONE: Capabilities = Capabilities {
        transactional_ddl: false,
        transactional_dml: false,
        online_index: false,
        enforced_foreign_keys: false,
        advisory_lock: false,
        preserves_column_order: false,
        schemas: false,
        deferred_fk_validation: false,
        column_defaults: false,
    };

    /// `(name, value)` pairs, for listings.
    pub fn entries(&self) -> [(&'static str, bool); 9] {
        [
            ("transactional_ddl", self.transactional_ddl),
            ("transactional_dml", self.transactional_dml),
            ("online_index", self.online_index),
            ("enforced_foreign_keys", self.enforced_foreign_keys),
            ("advisory_lock", self.advisory_lock),
            ("preserves_column_order", self.preserves_column_order),
            ("schemas", self.schemas),
            ("deferred_fk_validation", self.deferred_fk_validation),
            ("column_defaults", self.column_defaults),
        ]
    }
}

/// What a pre-flight count is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Rows or values the step deletes (backed up first).
    RowsDestroyed,
    /// Rows the step changes.
    RowsChanged,
    /// Values that will not convert to the new type.
    Incompatible,
    /// NULLs in a column about to become NOT NULL.
    Nulls,
    /// Rows whose key has no parent.
    Orphans,
    /// Rows sharing a key that must become unique.
    Duplicates,
}

impl FindingKind {
    /// The label used in plans.
    pub fn label(self) -> &'static str {
        match self {
            Self::RowsDestroyed => "rows destroyed (backed up)",
            Self::RowsChanged => "rows changed",
            Self::Incompatible => "values that will not convert",
            Self::Nulls => "NULLs",
            Self::Orphans => "orphan rows",
            Self::Duplicates => "duplicate keys",
        }
    }
}

/// One pre-flight count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What is counted.
    pub kind: FindingKind,
    /// How many.
    pub count: u64,
    /// A few examples, rendered as the engine shows them.
    pub examples: Vec<String>,
    /// How the step handles them (`set to NULL`, `deleted`, …).
    pub handling: String,
    /// Why this finding refuses the step, when it does.
    pub blocking: Option<String>,
}

/// The pre-flight analysis of one step against the live data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// The table's row count, when the step works on one.
    pub table_rows: Option<u64>,
    /// The table's size in bytes.
    pub table_bytes: Option<u64>,
    /// The counts.
    pub findings: Vec<Finding>,
    /// Things the user should know that do not refuse the step.
    pub warnings: Vec<String>,
    /// Reasons the step cannot run at all (missing table, dependent views, …).
    pub refusals: Vec<String>,
}

impl Analysis {
    /// The analysis of a step that cannot run, for `reason`.
    pub fn refused(reason: String) -> Self {
        Analysis {
            refusals: vec![reason],
            ..Analysis::default()
        }
    }

    /// The analysis of a step on `table`, with its size and nothing found yet.
    pub fn of_table(table: &crate::schema::Table) -> Self {
        Analysis {
            table_rows: Some(table.rows),
            table_bytes: Some(table.size_bytes),
            ..Analysis::default()
        }
    }

    /// Every reason the step is refused, from findings and refusals.
    pub fn blocking(&self) -> Vec<String> {
        self.refusals
            .iter()
            .cloned()
            .chain(self.findings.iter().filter_map(|f| f.blocking.clone()))
            .collect()
    }

    /// The rows the step destroys or changes.
    pub fn rows_at_risk(&self) -> u64 {
        self.findings
            .iter()
            .filter(|f| f.blocking.is_none())
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::RowsDestroyed | FindingKind::Incompatible | FindingKind::Orphans
                )
            })
            .map(|f| f.count)
            .sum()
    }
}

/// Everything a driver needs to analyze or compile one step.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The migration.
    pub migration: &'a Migration,
    /// The step.
    pub step: &'a Step,
    /// The schema as it will be when the step runs (earlier steps applied to the live schema).
    pub snapshot: &'a Snapshot,
}

impl<'a> StepContext<'a> {
    /// Where the step is, for errors.
    pub fn location(&self) -> StepLocation {
        self.migration.location(self.step)
    }

    /// The first later step of the migration that works on `table`, or references it.
    /// Actions deferred past the migration's transaction (an online index build) must not
    /// run after such a step, whose change they were compiled without.
    pub fn later_step_on(&self, table: &QualifiedName) -> Option<&'a Step> {
        self.migration
            .steps
            .iter()
            .filter(|s| s.index > self.step.index)
            .find(|s| {
                s.kind.spec().table() == Some(table)
                    || matches!(&s.kind, crate::steps::StepKind::AddForeignKey(f) if &f.references.table == table)
            })
    }

    /// The first earlier step of the migration that works on `table`: the plan counted the
    /// live rows, which that step changes before this one runs.
    pub fn earlier_step_on(&self, table: &QualifiedName) -> Option<&'a Step> {
        self.migration
            .steps
            .iter()
            .filter(|s| s.index < self.step.index)
            .find(|s| s.kind.spec().table() == Some(table))
    }

    /// A step error.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::step(&self.location(), message)
    }

    /// The deterministic name of a backup object: `strata_bak_<version>_<table>[_<suffix>]`,
    /// and `_<step>` after it when an earlier step of the migration backs up to the same
    /// name: the same table and suffix (`drop_column c` after `change_type c`, a second
    /// `backfill`), or another table whose name runs into it (`drop_column archive` of
    /// `users` and `drop_table users_archive` both make `strata_bak_<v>_users_archive`).
    pub fn backup_name(&self, table: &QualifiedName, suffix: Option<&str>) -> QualifiedName {
        let base = |table: &QualifiedName, suffix: Option<&str>| {
            let mut name = format!("strata_bak_{}_{}", self.migration.version, table.name);
            if let Some(s) = suffix {
                name.push('_');
                name.push_str(s);
            }
            (table.schema.clone(), crate::steps::fit_identifier(&name))
        };
        let mine = base(table, suffix);
        let taken = self
            .migration
            .steps
            .iter()
            .take_while(|s| s.index < self.step.index)
            .any(|s| {
                let (Some(t), Some(x)) = (s.kind.spec().table(), backup_suffix(&s.kind)) else {
                    return false;
                };
                base(t, x.as_deref()) == mine
            });
        let mut name = mine.1;
        if taken {
            name = crate::steps::fit_identifier(&format!("{name}_{}", self.step.index));
        }
        table.with_name(name)
    }
}

/// The suffix a step's backup takes (see [`StepContext::backup_name`]), the same for every
/// driver; `None` for a step that backs nothing up.
fn backup_suffix(step: &crate::steps::StepKind) -> Option<Option<String>> {
    use crate::steps::StepKind as K;
    Some(match step {
        K::DropColumn(s) => Some(s.column.clone()),
        K::ChangeType(s) => Some(s.column.clone()),
        K::SetNotNull(s) => Some(s.column.clone()),
        K::Backfill(_) => Some("backfill".into()),
        K::AddForeignKey(_) => Some("orphans".into()),
        K::DropTable(_) => None,
        _ => return None,
    })
}

/// One row of `strata verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyCheck {
    /// What was checked.
    pub check: String,
    /// Whether it passed.
    pub ok: bool,
    /// Details (counts, names).
    pub detail: String,
}

/// A database engine, as strata drives it.
///
/// Object safe: the CLI and the runner hold a `Box<dyn Driver>`. A driver owns one session
/// (connection) for the runner: transactions, the runner lock and temporary objects live on
/// it. Optional methods default to [`Error::NotSupported`].
#[async_trait]
pub trait Driver: Send + Sync {
    /// The registered name (`postgres`).
    fn name(&self) -> &'static str;

    /// What the engine can do.
    fn capabilities(&self) -> Capabilities;

    /// The server's version string.
    async fn server_version(&self) -> Result<String>;

    /// The native type a portable type maps to (`int64` → `bigint`).
    fn native_type(&self, ty: PortableType) -> String;

    /// Reads the schema of every user table (strata's history table excluded).
    async fn inspect(&self) -> Result<Snapshot>;

    /// Counts, on the live data, what the step will touch, convert, fill or refuse.
    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis>;

    /// Analyzes several steps of one migration. Drivers fuse what they can (one scan per table
    /// for all its counts); the default analyzes the steps one by one.
    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        let mut out = Vec::with_capacity(steps.len());
        for ctx in steps {
            out.push(self.analyze(*ctx).await);
        }
        out
    }

    /// Compiles the step into actions, against `ctx.snapshot`.
    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>>;

    /// Brings the engine's own text in `snapshot` up to date after `step`, as its compiled
    /// actions will leave it: the definitions a later step's compilation reads (SQLite
    /// rebuilds a table from its `CREATE TABLE` text and re-creates its indexes from theirs).
    /// The planner calls it after applying the step's portable effect to `after`
    /// (`simulate.rs`); `before` is the schema as the step finds it. The default leaves the
    /// text as it was, and a table an earlier step changed keeps
    /// [`Table::definition_stale`](crate::schema::Table::definition_stale) set.
    fn simulate(&self, step: &Step, before: &Snapshot, after: &mut Snapshot) {
        let _ = (step, before, after);
    }

    /// Runs a statement; returns the number of rows it affected.
    async fn execute(&self, statement: &Statement) -> Result<u64>;

    /// Runs a query that returns one count.
    async fn query_count(&self, statement: &Statement) -> Result<i64>;

    /// Opens a transaction on the driver's session.
    async fn begin(&self) -> Result<()>;

    /// Commits it.
    async fn commit(&self) -> Result<()>;

    /// Rolls it back.
    async fn rollback_transaction(&self) -> Result<()>;

    /// Creates `strata_migrations` if it does not exist.
    async fn ensure_history(&self) -> Result<()>;

    /// Every history record, by version.
    async fn history(&self) -> Result<Vec<HistoryRecord>>;

    /// Inserts or replaces the record for `record.version`.
    async fn record(&self, record: &HistoryRecord) -> Result<()>;

    /// The runner lock's name as the engine knows it, for messages.
    fn lock_name(&self) -> String;

    /// Takes the runner lock if it is free; `false` if another runner holds it.
    async fn try_lock(&self) -> Result<bool>;

    /// Releases the runner lock.
    async fn unlock(&self) -> Result<()>;

    /// Who holds the runner lock now, as far as the engine tells (`None`: nobody, or the
    /// engine cannot say). Asked once while a runner waits, and by `strata status`.
    async fn lock_holder(&self) -> Result<Option<crate::lock::LockHolder>> {
        Ok(None)
    }

    /// Every row of a table, in the portable value model.
    async fn read_rows(&self, table: &QualifiedName) -> Result<Vec<Row>> {
        Err(self.not_supported(&format!("reading rows of {table}")))
    }

    /// Inserts rows into a table.
    async fn write_rows(&self, table: &QualifiedName, rows: &[Row]) -> Result<u64> {
        let _ = rows;
        Err(self.not_supported(&format!("writing rows to {table}")))
    }

    /// The exact number of rows of a table (not an estimate).
    async fn count_rows(&self, table: &QualifiedName) -> Result<u64> {
        Ok(self.read_rows(table).await?.len() as u64)
    }

    /// The number of rows of a table whose `column` is NULL (or, on documents, missing).
    async fn count_nulls(&self, table: &QualifiedName, column: &str) -> Result<u64> {
        Ok(self
            .read_rows(table)
            .await?
            .iter()
            .filter(|r| matches!(r.get(column), None | Some(crate::Value::Null)))
            .count() as u64)
    }

    /// The portable fingerprint of a table's rows.
    async fn fingerprint(&self, table: &QualifiedName) -> Result<Fingerprint> {
        Ok(portable_fingerprint(&self.read_rows(table).await?))
    }

    /// Engine-level health checks for `strata verify` (invalid indexes, unvalidated
    /// constraints, …).
    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        Err(self.not_supported("verify"))
    }

    /// What the pre-migration checks need to know of the server; `tables` are those the
    /// pending migrations touch.
    async fn server_facts(&self, tables: &[QualifiedName]) -> Result<crate::checks::ServerFacts> {
        let _ = tables;
        Err(self.not_supported("pre-migration checks"))
    }

    /// Every table's rows and bytes, for `strata monitor`. Runs while a migration may hold
    /// locks, so engines that would wait on them (a count, a size function that locks)
    /// override this with statistics; the default reads them from [`Driver::inspect`].
    async fn table_sizes(&self) -> Result<Vec<crate::monitor::TableSize>> {
        Ok(self
            .inspect()
            .await?
            .tables
            .values()
            .map(|t| crate::monitor::TableSize {
                table: t.name.to_string(),
                rows: t.rows,
                bytes: t.size_bytes,
            })
            .collect())
    }

    /// Long-running statements and lock waits on the server, for `strata monitor`.
    async fn activity(&self) -> Result<crate::monitor::Activity> {
        Err(self.not_supported("monitoring server activity"))
    }

    /// A [`Error::NotSupported`] for this driver.
    fn not_supported(&self, operation: &str) -> Error {
        Error::NotSupported {
            driver: self.name().to_owned(),
            operation: operation.to_owned(),
        }
    }
}
