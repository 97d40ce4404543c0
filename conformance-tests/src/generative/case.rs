//! One generated case on one engine: build the schema with the engine's DDL, apply the
//! generated migration, check the three properties, roll back.

use std::fmt;

use strata_core::Statement;

use super::{migration, Engine, Schema};
use crate::context::{catalog_differences, State, TestContext};

/// How a case ended when it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Applied, re-applied as a no-op, rolled back exactly.
    RoundTrip,
    /// Refused before anything ran.
    Refused,
}

/// Counts of outcomes.
#[derive(Debug, Default)]
pub struct Tally {
    round_trips: u64,
    refused: u64,
    /// Cases that broke a property.
    pub failed: u64,
}

impl Tally {
    /// Counts one more.
    pub fn add(&mut self, o: Outcome) {
        match o {
            Outcome::RoundTrip => self.round_trips += 1,
            Outcome::Refused => self.refused += 1,
        }
    }

    /// Why the share of cases that applied and rolled back is too low to trust, if it is: a
    /// refusal before anything ran passes every case, so a driver that wrongly refused
    /// everything would pass too. Below a tenth over 40 cases or more (about a third apply on
    /// every engine) is not chance.
    pub fn too_few_round_trips(&self) -> Option<String> {
        let total = self.round_trips + self.refused + self.failed;
        (total >= 40 && self.round_trips * 10 < total).then(|| {
            format!(
                "only {} of {total} cases applied and rolled back: steps the engine can run are being refused",
                self.round_trips
            )
        })
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cases: {} applied, re-applied as a no-op and rolled back exactly, {} refused before anything ran, {} failed",
            self.round_trips + self.refused + self.failed,
            self.round_trips,
            self.refused,
            self.failed
        )
    }
}

fn show(statements: &[Statement]) -> String {
    statements
        .iter()
        .map(|s| match s {
            Statement::Sql(q) => format!("{q};"),
            Statement::Command(c) => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n    ")
}

/// Runs the case seeded `seed`; on a broken property, the report to print.
pub async fn run(engine: &Engine, seed: u64) -> Result<Outcome, String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let features = engine.dialect.features();
    let schema = Schema::generate(&mut rng, &features);
    let ddl = engine.dialect.build(&schema);
    let file = migration::generate(&mut rng, &schema, engine.dialect.as_ref());
    let report = |what: String| {
        format!(
            "generative case failed on {e}: {what}\n  reproduce: STRATA_GEN_SEED={seed} STRATA_GEN_CASES=1 STRATA_GEN_ENGINES={e} cargo test -p strata-conformance --test generative\n  schema:\n    {}\n  migration: {}",
            show(&ddl),
            serde_json::to_string(&file).unwrap_or_default(),
            e = engine.name
        )
    };
    let url = engine
        .provision
        .create()
        .await
        .map_err(|e| report(format!("creating a database: {e:#}")))?;
    let result = async {
        let ctx = TestContext::provisioned(engine.name, &url, engine.provision.clone())
            .await
            .map_err(|e| format!("connecting: {e:#}"))?;
        for s in &ddl {
            ctx.driver.execute(s).await.map_err(|e| {
                format!(
                    "the generated DDL failed (a generator bug): {e:#}{}",
                    causes(&e)
                )
            })?;
        }
        check(&ctx, &file).await
    }
    .await;
    let dropped = engine.provision.destroy(&url).await;
    let outcome = result.map_err(report)?;
    dropped.map_err(|e| format!("dropping the database: {e:#}"))?;
    Ok(outcome)
}

async fn check(ctx: &TestContext, file: &serde_json::Value) -> Result<Outcome, String> {
    let before = ctx.capture().await.map_err(|e| format!("capture: {e:#}"))?;
    ctx.write_file(1, "generated", "json", &file.to_string())
        .map_err(|e| e.to_string())?;
    match ctx.apply().await {
        Ok(_) => {}
        Err(e) if e.exit_code() == 3 => {
            if std::env::var_os("STRATA_GEN_VERBOSE").is_some() {
                eprintln!("refused: {}", e.to_string().replace('\n', " "));
            }
            let now = ctx.capture().await.map_err(|e| format!("capture: {e:#}"))?;
            return unchanged(&before, &now)
                .map(|()| Outcome::Refused)
                .map_err(|d| format!("refused ({e}) but the database changed:\n{d}"));
        }
        Err(e) => return Err(format!("apply failed after it started: {e}{}", causes(&e))),
    }
    let after = ctx.capture().await.map_err(|e| format!("capture: {e:#}"))?;
    match ctx.apply().await {
        Ok(r) if r.applied.is_empty() && r.resumed.is_empty() => {}
        Ok(r) => return Err(format!("a second apply did something: {r:?}")),
        Err(e) => return Err(format!("a second apply failed: {e}{}", causes(&e))),
    }
    let again = ctx.capture().await.map_err(|e| format!("capture: {e:#}"))?;
    unchanged(&after, &again).map_err(|d| format!("a second apply changed the database:\n{d}"))?;
    ctx.rollback(1)
        .await
        .map_err(|e| format!("rollback failed: {e}{}", causes(&e)))?;
    ctx.assert_restored(&before)
        .await
        .map_err(|e| format!("rollback is not exact: {e:#}"))?;
    Ok(Outcome::RoundTrip)
}

fn causes(e: &strata_core::Error) -> String {
    let mut out = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!("\n    caused by: {s}"));
        source = s.source();
    }
    out
}

fn unchanged(a: &State, b: &State) -> Result<(), String> {
    let mut out = catalog_differences(&a.catalog, &b.catalog);
    if a.data != b.data {
        out.push(format!(
            "  rows: before {:?}\n        after  {:?}",
            a.data, b.data
        ));
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out.join("\n"))
    }
}
