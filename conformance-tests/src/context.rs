//! What a scenario works with: a connected driver on a fresh database, a migrations directory,
//! and helpers to apply, roll back, read rows and compare states.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{ensure, Context as _};
use strata_core::migration::{discover, Migration};
use strata_core::runner::{self, ApplyReport, RollbackTarget, RunOptions};
use strata_core::schema::Snapshot;
use strata_core::{
    registry, Capabilities, Driver, Fingerprint, QualifiedName, Row, RowAccess, RowAccessExt, Value,
};

use crate::harness::{Catalog, Provision};

/// A row from `(column, value)` pairs.
pub fn row(pairs: &[(&str, Value)]) -> Row {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Schema and data of a database, comparable across an apply and its rollback.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The schema view (see [`Snapshot::schema_view`]).
    pub schema: Snapshot,
    /// Per table: row count and content fingerprint.
    pub data: BTreeMap<String, Fingerprint>,
    /// Everything the engine reports (see [`Provision::catalog`]); empty for a context made
    /// without a provision.
    pub catalog: Catalog,
}

/// One scenario's database and migrations.
pub struct TestContext {
    /// The driver under test, connected to the scenario's database.
    pub driver: Box<dyn Driver>,
    /// The engine name.
    pub engine: &'static str,
    /// The database URL.
    pub url: String,
    provision: Option<Arc<dyn Provision>>,
    dir: PathBuf,
}

fn quiet(_: &str) {}

/// How long the helpers wait for the runner lock: a session that just died may hold it for a
/// moment until the server notices, exactly as after a killed CLI.
const LOCK_WAIT: Duration = Duration::from_secs(10);

impl TestContext {
    /// Connects the driver `engine` to `url` and makes an empty migrations directory.
    pub async fn new(engine: &'static str, url: &str) -> anyhow::Result<TestContext> {
        let driver = registry::connect(Some(engine), url)
            .await
            .context("connecting the driver under test")?;
        let dir = std::env::temp_dir().join(format!("strata-conformance-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir)?;
        Ok(TestContext {
            driver,
            engine,
            url: url.to_owned(),
            provision: None,
            dir,
        })
    }

    /// [`TestContext::new`] whose states include the engine's whole catalog, read by
    /// `provision`.
    pub async fn provisioned(
        engine: &'static str,
        url: &str,
        provision: Arc<dyn Provision>,
    ) -> anyhow::Result<TestContext> {
        let mut ctx = TestContext::new(engine, url).await?;
        ctx.provision = Some(provision);
        Ok(ctx)
    }

    /// Everything the engine reports of the database (empty without a provision).
    pub async fn catalog(&self) -> anyhow::Result<Catalog> {
        match &self.provision {
            Some(p) => p
                .catalog(&self.url)
                .await
                .context("reading the engine's catalog"),
            None => Ok(Catalog::new()),
        }
    }

    /// A second, independent connection to the same database.
    pub async fn connect_again(&self) -> anyhow::Result<Box<dyn Driver>> {
        Ok(registry::connect(Some(self.engine), &self.url).await?)
    }

    /// The driver's capabilities.
    pub fn capabilities(&self) -> Capabilities {
        self.driver.capabilities()
    }

    /// Writes migration `version` with TOML `text`.
    pub fn write(&self, version: u64, name: &str, text: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(format!("{version:04}_{name}.toml"));
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Writes migration `version` as a `.{extension}` file (`toml`, `yaml`, `json`) of `text`.
    pub fn write_file(
        &self,
        version: u64,
        name: &str,
        extension: &str,
        text: &str,
    ) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(format!("{version:04}_{name}.{extension}"));
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Every migration in the directory.
    pub fn migrations(&self) -> anyhow::Result<Vec<Migration>> {
        Ok(discover(&self.dir)?)
    }

    /// Run options for tests: no waiting for locks unless asked, no output.
    pub fn options(lock_timeout: Duration) -> RunOptions<'static> {
        RunOptions {
            lock_timeout,
            progress: &quiet,
            allow_data_loss: false,
        }
    }

    /// Applies every pending migration with `driver`.
    pub async fn apply_with(&self, driver: &dyn Driver) -> strata_core::Result<ApplyReport> {
        let migrations = self
            .migrations()
            .map_err(|e| strata_core::Error::Usage(e.to_string()))?;
        runner::apply(driver, &migrations, None, false, Self::options(LOCK_WAIT)).await
    }

    /// Applies every pending migration; the runner's progress lines too.
    pub async fn apply_logged(&self) -> strata_core::Result<(ApplyReport, Vec<String>)> {
        let migrations = self
            .migrations()
            .map_err(|e| strata_core::Error::Usage(e.to_string()))?;
        let lines = std::sync::Mutex::new(Vec::new());
        let progress = |line: &str| lines.lock().expect("progress lines").push(line.to_owned());
        let opts = RunOptions {
            progress: &progress,
            ..Self::options(LOCK_WAIT)
        };
        let report = runner::apply(self.driver.as_ref(), &migrations, None, false, opts).await?;
        Ok((report, lines.into_inner().expect("progress lines")))
    }

    /// Applies every pending migration.
    pub async fn apply(&self) -> strata_core::Result<ApplyReport> {
        self.apply_with(self.driver.as_ref()).await
    }

    /// Applies each case's TOML `steps` as migration 1, expecting a typed refusal whose
    /// message contains the case's `needle`; each file is removed after its case.
    pub async fn expect_refusals(&self, cases: &[(&str, &str)]) -> anyhow::Result<()> {
        for (i, (steps, needle)) in cases.iter().enumerate() {
            let path = self.write(1, &format!("case{i}"), steps)?;
            crate::scenarios::expect_refusal_mentioning(self.apply().await, needle)
                .with_context(|| format!("case {i}: {steps}"))?;
            std::fs::remove_file(path)?;
        }
        Ok(())
    }

    /// [`expect_refusals`](Self::expect_refusals) with each case one step, as JSON.
    pub async fn expect_json_refusals(
        &self,
        cases: &[(serde_json::Value, &str)],
    ) -> anyhow::Result<()> {
        for (i, (step, needle)) in cases.iter().enumerate() {
            let text = serde_json::json!({ "step": [step] }).to_string();
            let path = self.write_file(1, &format!("case{i}"), "json", &text)?;
            crate::scenarios::expect_refusal_mentioning(self.apply().await, needle)
                .with_context(|| format!("case {i}: {text}"))?;
            std::fs::remove_file(path)?;
        }
        Ok(())
    }

    /// Applies every pending migration, accepting data no backup keeps (`--allow-data-loss`).
    pub async fn apply_allowing_data_loss(&self) -> strata_core::Result<ApplyReport> {
        let migrations = self
            .migrations()
            .map_err(|e| strata_core::Error::Usage(e.to_string()))?;
        let opts = RunOptions {
            allow_data_loss: true,
            ..Self::options(LOCK_WAIT)
        };
        runner::apply(self.driver.as_ref(), &migrations, None, false, opts).await
    }

    /// Rolls back the last `n` migrations.
    pub async fn rollback(&self, n: usize) -> strata_core::Result<Vec<u64>> {
        runner::rollback(
            self.driver.as_ref(),
            RollbackTarget::Steps(n),
            Self::options(LOCK_WAIT),
        )
        .await
    }

    /// Runs statements of the engine's own DDL or DML directly on the driver's session, not
    /// through a migration: how other tools and people build the schemas strata meets.
    pub async fn run_sql(&self, statements: &[&str]) -> anyhow::Result<()> {
        for s in statements {
            self.driver
                .execute(&strata_core::Statement::Sql((*s).to_owned()))
                .await
                .with_context(|| format!("running {s}"))?;
        }
        Ok(())
    }

    /// The count a query of the engine's own language returns (its first column).
    pub async fn count(&self, query: &str) -> anyhow::Result<i64> {
        self.driver
            .query_count(&strata_core::Statement::Sql(query.to_owned()))
            .await
            .with_context(|| format!("running {query}"))
    }

    /// Runs command documents directly on the driver's session (MongoDB's `runCommand`), not
    /// through a migration: how other tools and people build the collections strata meets.
    pub async fn run_commands(&self, commands: &[serde_json::Value]) -> anyhow::Result<()> {
        for c in commands {
            self.driver
                .execute(&strata_core::Statement::Command(c.clone()))
                .await
                .with_context(|| format!("running {c}"))?;
        }
        Ok(())
    }

    /// The driver's row access (every engine the suite runs has it).
    pub fn row_access(&self) -> anyhow::Result<&dyn RowAccess> {
        self.driver
            .rows()
            .with_context(|| format!("the {} driver has no row access", self.engine))
    }

    /// Inserts rows.
    pub async fn insert(&self, table: &str, rows: &[Row]) -> anyhow::Result<()> {
        let name: QualifiedName = table.parse().map_err(anyhow::Error::msg)?;
        let n = self.row_access()?.write_rows(&name, rows).await?;
        ensure!(
            n == rows.len() as u64,
            "inserted {n} rows into {table}, expected {}",
            rows.len()
        );
        Ok(())
    }

    /// Every row of a table, sorted by its canonical JSON (so order never matters).
    pub async fn rows(&self, table: &str) -> anyhow::Result<Vec<Row>> {
        let name: QualifiedName = table.parse().map_err(anyhow::Error::msg)?;
        let mut rows = self.row_access()?.read_rows(&name).await?;
        rows.sort_by_key(|r| serde_json::to_string(r).unwrap_or_default());
        Ok(rows)
    }

    /// The live schema.
    pub async fn schema(&self) -> anyhow::Result<Snapshot> {
        Ok(self.driver.inspect().await?)
    }

    /// Schema and data fingerprints of every table.
    pub async fn capture(&self) -> anyhow::Result<State> {
        let snapshot = self.driver.inspect().await?;
        let mut data = BTreeMap::new();
        for t in snapshot.tables.values() {
            data.insert(
                t.name.to_string(),
                self.row_access()?.fingerprint(&t.name).await?,
            );
        }
        Ok(State {
            schema: snapshot.schema_view(self.capabilities().preserves_column_order),
            data,
            catalog: self.catalog().await?,
        })
    }

    /// Asserts the database is exactly `before` and holds no backup or temporary object.
    pub async fn assert_restored(&self, before: &State) -> anyhow::Result<()> {
        let now = self.capture().await?;
        let leftovers: Vec<&String> = now
            .schema
            .tables
            .keys()
            .filter(|k| k.contains("strata_bak_") || k.contains("strata_tmp_"))
            .collect();
        ensure!(
            leftovers.is_empty(),
            "backup or temporary objects left behind: {leftovers:?}"
        );
        let differences = catalog_differences(&before.catalog, &now.catalog);
        ensure!(
            differences.is_empty(),
            "the engine's catalog differs after rollback:\n{}",
            differences.join("\n")
        );
        for (name, t) in &before.schema.tables {
            let other = now
                .schema
                .tables
                .get(name)
                .with_context(|| format!("table {name} is missing after rollback"))?;
            ensure!(
                t == other,
                "schema of {name} differs after rollback:\n{}",
                line_diff(&format!("{t:#?}"), &format!("{other:#?}"))
            );
        }
        ensure!(
            before.schema.tables.len() == now.schema.tables.len(),
            "tables differ after rollback: before {:?}, after {:?}",
            before.schema.tables.keys().collect::<Vec<_>>(),
            now.schema.tables.keys().collect::<Vec<_>>()
        );
        ensure!(
            before.data == now.data,
            "data differs after rollback:\nbefore: {:?}\nafter:  {:?}",
            before.data,
            now.data
        );
        Ok(())
    }

    /// The backups the plans of `report` make, by name (without a schema), sorted: one per
    /// step that backs something up, or one for several steps on a table where the driver
    /// compiles them together.
    pub fn planned_backups(report: &ApplyReport) -> Vec<String> {
        let mut names: Vec<String> = report
            .plans
            .iter()
            .flat_map(|p| p.actions())
            .filter_map(|a| a.backup_object)
            .map(|o| unqualified(&o))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The backups left in the database, by name (without a schema), sorted.
    pub async fn backup_names(&self) -> anyhow::Result<Vec<String>> {
        let mut names: Vec<String> = self
            .backups()
            .await?
            .iter()
            .map(|b| unqualified(b))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Names of the backup objects that exist now.
    pub async fn backups(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .schema()
            .await?
            .tables
            .into_keys()
            .filter(|k| k.contains("strata_bak_"))
            .collect())
    }
}

fn unqualified(name: &str) -> String {
    name.rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_matches('"')
        .to_owned()
}

impl Drop for TestContext {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every object whose description differs between two catalogs, or that only one has, one
/// line each (`- before` / `+ after`).
pub fn catalog_differences(before: &Catalog, after: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => out.push(format!("  missing   {k}: {v}")),
            Some(w) if w != v && (v.contains('\n') || w.contains('\n')) => {
                out.push(format!("  changed   {k}:\n{}", line_diff(v, w)))
            }
            Some(w) if w != v => out.push(format!(
                "  changed   {k}:\n    before: {v}\n    after:  {w}"
            )),
            Some(_) => {}
        }
    }
    for (k, w) in after {
        if !before.contains_key(k) {
            out.push(format!("  new       {k}: {w}"));
        }
    }
    out
}

/// The lines of `after` that differ from `before`, with a line of context: what is left once
/// the common head and tail are cut.
fn line_diff(before: &str, after: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let from = head.saturating_sub(1);
    let mut out = Vec::new();
    for l in &a[from..a.len() - tail] {
        out.push(format!("  - {l}"));
    }
    for l in &b[from..b.len() - tail] {
        out.push(format!("  + {l}"));
    }
    out.join("\n")
}
