//! Pre-flight counts, fused: every count a migration's steps need on one table is taken in one
//! scan (`SELECT COUNT(CASE WHEN … THEN 1 END), COUNT(CASE WHEN … THEN 1 END) … FROM t c`).
//!
//! A driver analyzes its steps twice: a recording pass, in which [`Counter::count`] only notes
//! the filters asked for (and answers 0, so no examples are fetched), then [`Counter::fused`]
//! runs one query per table, and the real pass is answered from its results. Catalog queries
//! run in both passes; they are cheap.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::schema::Table;
use crate::{Analysis, QualifiedName, Result, StepContext};

/// Where a [`Counter`] sends its queries: the driver's session.
#[async_trait]
pub trait CountSource: Send + Sync {
    /// The table name, quoted for the engine.
    fn quote_table(&self, name: &QualifiedName) -> String;
    /// Runs a query returning one row of integer counts.
    async fn counts(&self, sql: &str) -> Result<Vec<i64>>;
}

/// The exact number of rows of `table` matching `filter` (over rows aliased `c`; `None`:
/// every row), in one query on `source`. For SQL drivers' `RowAccess::count_rows` and
/// `RowAccess::count_nulls`.
pub async fn count_where<S: CountSource + ?Sized>(
    source: &S,
    table: &QualifiedName,
    filter: Option<&str>,
) -> Result<u64> {
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    let sql = format!(
        "SELECT COUNT(*) FROM {} c{filter}",
        source.quote_table(table)
    );
    Ok(source
        .counts(&sql)
        .await?
        .first()
        .copied()
        .unwrap_or(0)
        .max(0) as u64)
}

/// Counts rows of a table matching a filter over rows aliased `c`.
pub struct Counter<'a, S: CountSource + ?Sized> {
    /// The session, for queries that are not counts.
    pub source: &'a S,
    recording: Option<Mutex<Vec<(QualifiedName, String)>>>,
    cache: HashMap<(QualifiedName, String), u64>,
}

impl<'a, S: CountSource + ?Sized> Counter<'a, S> {
    /// A counter that only records what is asked.
    pub fn recording(source: &'a S) -> Self {
        Counter {
            source,
            recording: Some(Mutex::new(Vec::new())),
            cache: HashMap::new(),
        }
    }

    /// Whether this is the recording pass.
    pub fn is_recording(&self) -> bool {
        self.recording.is_some()
    }

    /// The number of rows of `t` (aliased `c`) matching `filter`.
    pub async fn count(&self, t: &Table, filter: &str) -> Result<u64> {
        let key = (t.name.clone(), filter.to_owned());
        if let Some(rec) = &self.recording {
            rec.lock().expect("recording").push(key);
            return Ok(0);
        }
        if let Some(n) = self.cache.get(&key) {
            return Ok(*n);
        }
        let sql = format!(
            "SELECT COUNT(CASE WHEN {filter} THEN 1 END) FROM {} c",
            self.source.quote_table(&t.name)
        );
        Ok(self
            .source
            .counts(&sql)
            .await?
            .first()
            .copied()
            .unwrap_or(0) as u64)
    }

    /// Runs what the recording pass noted, one scan per table, and returns a counter that
    /// answers from those results. A fused query that fails (a filter on a column an earlier
    /// step creates) leaves its table to per-step queries, which report their own errors.
    pub async fn fused(self) -> Counter<'a, S> {
        let wanted = self
            .recording
            .map(|r| r.into_inner().expect("recording"))
            .unwrap_or_default();
        let mut by_table: BTreeMap<QualifiedName, Vec<String>> = BTreeMap::new();
        for (table, filter) in wanted {
            let filters = by_table.entry(table).or_default();
            if !filters.contains(&filter) {
                filters.push(filter);
            }
        }
        let mut cache = HashMap::new();
        for (table, filters) in by_table {
            let columns: Vec<String> = filters
                .iter()
                .map(|f| format!("COUNT(CASE WHEN {f} THEN 1 END)"))
                .collect();
            let sql = format!(
                "SELECT {} FROM {} c",
                columns.join(", "),
                self.source.quote_table(&table)
            );
            if let Ok(counts) = self.source.counts(&sql).await {
                for (filter, n) in filters.into_iter().zip(counts) {
                    cache.insert((table.clone(), filter), n as u64);
                }
            }
        }
        Counter {
            source: self.source,
            recording: None,
            cache,
        }
    }
}

/// One step's analysis over a counter, as [`analyze_fused`] runs it.
pub type AnalysisFuture<'c> = Pin<Box<dyn Future<Output = Result<Analysis>> + Send + 'c>>;

/// Analyzes `steps` in the two passes the module describes: `analyze` once per step over a
/// recording counter, then once more over the [fused](Counter::fused) one, whose answers it
/// returns. For a SQL driver's `StepCompiler::analyze_steps`:
///
/// ```ignore
/// analyze_fused(&self.session, steps, |counter, ctx| {
///     Box::pin(async move { analyze_step(&Analyzer { counter }, ctx).await })
/// })
/// .await
/// ```
pub async fn analyze_fused<'s, S: CountSource + ?Sized>(
    source: &'s S,
    steps: &[StepContext<'_>],
    analyze: impl for<'c> Fn(&'c Counter<'s, S>, StepContext<'c>) -> AnalysisFuture<'c>,
) -> Vec<Result<Analysis>> {
    let recorder = Counter::recording(source);
    for ctx in steps {
        let _ = analyze(&recorder, *ctx).await;
    }
    let counter = recorder.fused().await;
    let mut out = Vec::with_capacity(steps.len());
    for ctx in steps {
        out.push(analyze(&counter, *ctx).await);
    }
    out
}
