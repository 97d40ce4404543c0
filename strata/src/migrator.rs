//! [`Migrator`]: a set of migrations and how to run them, against a database named by URL or
//! a driver the application already holds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use strata_core::history::MigrationStatus;
use strata_core::migration::{self, Migration};
use strata_core::plan::MigrationPlan;
use strata_core::runner::{self, ApplyReport, RollbackTarget, RunOptions};
use strata_core::{registry, secrets, Driver, Error, Result};

use crate::embedded::{Embedded, EmbeddedFile};

/// Receives each progress line of a run (`applying migration 2 (users): 5 actions`,
/// `  step 1: …`), secrets already masked.
pub type ProgressFn = Arc<dyn Fn(&str) + Send + Sync>;

/// A set of migrations and how to run them: the same planner, pre-flight checks, backups,
/// runner lock, history and rollback as the `strata` command line, which is itself a client
/// of this type.
///
/// The methods that take a URL connect for the call and remember the URL's password as a
/// secret: it is masked in every progress line and every error they return. The `*_with`
/// methods run on a driver the application holds; connect it with [`connect`](Self::connect)
/// so that its URL's secrets are known too. A run is not to be cancelled half way (dropped
/// under a `timeout`, say): a transaction it opened on the driver's session stays open until
/// that driver is dropped — drop it then, and reconnect; the next `apply` completes or
/// undoes what the journal recorded.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("strata-doc-migrator-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(dir.join("migrations"))?;
/// # std::fs::write(dir.join("migrations/0001_users.toml"), r#"
/// # [[step]]
/// # op = "create_table"
/// # table = "users"
/// # columns = [{ name = "id", type = "int64", primary_key = true }, { name = "email", type = "text" }]
/// # "#)?;
/// let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());
/// let migrator = strata::Migrator::from_dir(dir.join("migrations"))?
///     .on_progress(|line| eprintln!("{line}"));
///
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let report = runtime.block_on(migrator.apply(&url))?;
/// assert_eq!(report.applied, [1]);
///
/// // Applied once: a second run has nothing to do.
/// assert!(runtime.block_on(migrator.apply(&url))?.applied.is_empty());
///
/// // And it comes back off exactly.
/// assert_eq!(runtime.block_on(migrator.rollback(&url, 1))?, [1]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Migrator {
    migrations: Vec<Migration>,
    /// Why the migrations could not be loaded (an embedded file whose checksum changed):
    /// every run returns it.
    unusable: Option<String>,
    to: Option<u64>,
    engine: Option<String>,
    backup_dir: Option<PathBuf>,
    lock_timeout: Duration,
    allow_data_loss: bool,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Migrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field(
                "migrations",
                &self.migrations.iter().map(|m| &m.file).collect::<Vec<_>>(),
            )
            .field("to", &self.to)
            .field("engine", &self.engine)
            .field("lock_timeout", &self.lock_timeout)
            .field("allow_data_loss", &self.allow_data_loss)
            .finish_non_exhaustive()
    }
}

impl Migrator {
    /// The migrations of a directory (`.toml`, `.yaml`, `.yml`, `.json`), read and checked as
    /// `strata plan` reads them: a bad file is an error naming its file, step and field.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Migrator> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "migrations directory {} does not exist",
                dir.display()
            )));
        }
        Ok(Migrator::new(migration::discover(dir)?))
    }

    /// Migrations already parsed, in any order; two with one version are an error.
    pub fn from_migrations(mut migrations: Vec<Migration>) -> Result<Migrator> {
        migrations.sort_by_key(|m| m.version);
        if let Some(pair) = migrations.windows(2).find(|p| p[0].version == p[1].version) {
            return Err(Error::File {
                file: pair[1].file.clone(),
                message: format!(
                    "version {} is also used by {}",
                    pair[1].version, pair[0].file
                ),
            });
        }
        Ok(Migrator::new(migrations))
    }

    /// The migrations [`embed!`](crate::embed) compiled into the binary. Each file was parsed
    /// and checksummed at build time; it is parsed again here, and one whose checksum differs
    /// makes every run of this migrator fail with an error that names it.
    #[doc(hidden)]
    pub fn embedded(files: &[EmbeddedFile]) -> Migrator {
        let mut migrations = Vec::with_capacity(files.len());
        let mut unusable = None;
        for f in files {
            match Embedded::from(f).parse() {
                Ok(m) => migrations.push(m),
                Err(e) => {
                    unusable.get_or_insert_with(|| e.to_string());
                }
            }
        }
        Migrator {
            unusable,
            ..Migrator::new(migrations)
        }
    }

    fn new(migrations: Vec<Migration>) -> Migrator {
        Migrator {
            migrations,
            unusable: None,
            to: None,
            engine: None,
            backup_dir: None,
            lock_timeout: strata_core::lock::DEFAULT_TIMEOUT,
            allow_data_loss: false,
            progress: None,
        }
    }

    /// The migrations, by version.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// Plans and applies only the migrations up to `version` (`--to`).
    pub fn up_to(mut self, version: u64) -> Self {
        self.to = Some(version);
        self
    }

    /// After applying, also writes the backups of each migration applied to `dir` as JSON
    /// Lines with a manifest (`apply --backup-dir`), which `strata restore` puts back into any
    /// engine; their paths are in [`ApplyReport::backup_files`].
    pub fn backup_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.backup_dir = Some(dir.into());
        self
    }

    /// Uses the driver registered under `name` whatever the URL's scheme says (`--engine`).
    pub fn engine(mut self, name: impl Into<String>) -> Self {
        self.engine = Some(name.into());
        self
    }

    /// How long to wait for another runner's lock (60 s unless set; zero fails at once).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Runs migrations that destroy data no backup keeps (`--allow-data-loss`). Off unless
    /// set: such a migration is refused before anything runs.
    pub fn allow_data_loss(mut self, allow: bool) -> Self {
        self.allow_data_loss = allow;
        self
    }

    /// Sends each progress line to `f` (nothing is printed otherwise).
    pub fn on_progress(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Connects the driver the URL's scheme names (or [`engine`](Self::engine)'s). The URL's
    /// password is remembered as a secret: strata masks it in everything it writes.
    pub async fn connect(&self, url: &str) -> Result<Box<dyn Driver>> {
        secrets::remember(url);
        registry::connect(self.engine.as_deref(), url)
            .await
            .map_err(Error::scrubbed)
    }

    /// The migrations, or why they cannot be used.
    fn usable(&self) -> Result<&[Migration]> {
        match &self.unusable {
            None => Ok(&self.migrations),
            Some(why) => Err(Error::Usage(why.clone())),
        }
    }

    /// The state of every migration, known or recorded.
    pub async fn status(&self, url: &str) -> Result<Vec<MigrationStatus>> {
        self.status_with(self.connect(url).await?.as_ref()).await
    }

    /// [`status`](Self::status) on a driver already connected.
    pub async fn status_with(&self, driver: &dyn Driver) -> Result<Vec<MigrationStatus>> {
        runner::status(driver, self.usable()?)
            .await
            .map_err(Error::scrubbed)
    }

    /// The plans of the pending migrations, with their live counts; changes nothing.
    pub async fn plan(&self, url: &str) -> Result<Vec<MigrationPlan>> {
        self.plan_with(self.connect(url).await?.as_ref()).await
    }

    /// [`plan`](Self::plan) on a driver already connected.
    pub async fn plan_with(&self, driver: &dyn Driver) -> Result<Vec<MigrationPlan>> {
        runner::plan(driver, self.usable()?, self.to)
            .await
            .map_err(Error::scrubbed)
    }

    /// Applies every pending migration (up to [`up_to`](Self::up_to)), completing interrupted
    /// ones first; refuses before anything runs when a check fails or a step is refused.
    pub async fn apply(&self, url: &str) -> Result<ApplyReport> {
        self.apply_with(self.connect(url).await?.as_ref()).await
    }

    /// [`apply`](Self::apply) on a driver already connected.
    pub async fn apply_with(&self, driver: &dyn Driver) -> Result<ApplyReport> {
        self.run_apply(driver, false).await
    }

    /// Plans and checks everything `apply` would do, and changes nothing.
    pub async fn dry_run(&self, url: &str) -> Result<ApplyReport> {
        self.dry_run_with(self.connect(url).await?.as_ref()).await
    }

    /// [`dry_run`](Self::dry_run) on a driver already connected.
    pub async fn dry_run_with(&self, driver: &dyn Driver) -> Result<ApplyReport> {
        self.run_apply(driver, true).await
    }

    async fn run_apply(&self, driver: &dyn Driver, dry_run: bool) -> Result<ApplyReport> {
        let progress = self.progress_lines();
        let mut report = runner::apply(
            driver,
            self.usable()?,
            self.to,
            dry_run,
            self.options(&progress),
        )
        .await
        .map_err(Error::scrubbed)?;
        if let (Some(dir), false) = (&self.backup_dir, dry_run) {
            for plan in report
                .plans
                .iter()
                .filter(|p| report.applied.contains(&p.version))
            {
                let manifest = strata_core::backup_file::export(driver, plan, dir)
                    .await
                    .map_err(Error::scrubbed)?;
                report.backup_files.push((plan.version, manifest));
            }
        }
        Ok(report)
    }

    /// Rolls back the last `n` applied migrations, newest first, from their recorded inverses
    /// and backups; returns their versions.
    pub async fn rollback(&self, url: &str, n: usize) -> Result<Vec<u64>> {
        self.rollback_with(self.connect(url).await?.as_ref(), RollbackTarget::Steps(n))
            .await
    }

    /// Rolls back on a driver already connected: the last `n`
    /// ([`RollbackTarget::Steps`]) or every migration above a version
    /// ([`RollbackTarget::To`]).
    pub async fn rollback_with(
        &self,
        driver: &dyn Driver,
        target: RollbackTarget,
    ) -> Result<Vec<u64>> {
        let progress = self.progress_lines();
        runner::rollback(driver, target, self.options(&progress))
            .await
            .map_err(Error::scrubbed)
    }

    /// Where the runner's progress lines go: scrubbed of secrets, to the callback if any.
    fn progress_lines(&self) -> impl Fn(&str) + Send + Sync + '_ {
        move |line: &str| {
            if let Some(sink) = &self.progress {
                sink(&secrets::scrub(line));
            }
        }
    }

    /// The runner's options, as this migrator was given them.
    fn options<'a>(&self, progress: &'a (dyn Fn(&str) + Send + Sync)) -> RunOptions<'a> {
        RunOptions {
            lock_timeout: self.lock_timeout,
            progress,
            allow_data_loss: self.allow_data_loss,
        }
    }
}
