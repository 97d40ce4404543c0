//! The generative round trip: seeded random schemas, written as each engine's own DDL (a
//! [`Dialect`]), with rows of NULLs and edge values, and random migrations of 1–8 steps over
//! the whole vocabulary. For every case on every engine:
//!
//! - `apply` either succeeds, or is refused before anything runs (the engine's whole catalog
//!   and every row unchanged);
//! - a second `apply` after it changes nothing;
//! - `rollback` gives back the whole catalog and every row exactly.
//!
//! `STRATA_GEN_SEED=N` fixes the seed (else one is picked and printed), `STRATA_GEN_CASES=M`
//! the number of cases per engine [50], `STRATA_GEN_ENGINES=a,b` the engines,
//! `STRATA_GEN_VERBOSE=1` prints why each refused case was refused. A failing case
//! prints its own seed as a one-line reproducer, with its DDL and its migration. Case 0 of a
//! run uses the run's seed itself, so `STRATA_GEN_SEED=<case seed> STRATA_GEN_CASES=1` is
//! that case alone.

mod case;
pub mod data;
pub mod migration;
pub mod model;

use std::process::ExitCode;
use std::sync::Arc;

use futures_util::FutureExt as _;
use libtest_mimic::{Arguments, Failed, Trial};
use strata_core::Statement;

pub use model::Schema;

use crate::harness::Provision;

/// What an engine's DDL can express of the generated model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Features {
    /// Tables in a second schema (namespace).
    pub schemas: bool,
    /// Foreign keys the server enforces.
    pub foreign_keys: bool,
    /// Relations strata records and checks itself, where the server has none (MongoDB).
    pub recorded_foreign_keys: bool,
    /// CHECK constraints.
    pub checks: bool,
    /// Triggers.
    pub triggers: bool,
    /// Views.
    pub views: bool,
    /// Partial indexes.
    pub partial_indexes: bool,
    /// Keys the engine numbers itself.
    pub generated_keys: bool,
    /// Comments on tables.
    pub comments: bool,
}

/// How one engine writes a generated schema: its own DDL, the way other tools and people
/// write it (not through strata).
pub trait Dialect: Send + Sync {
    /// What of the model the engine can express.
    fn features(&self) -> Features;
    /// The statements (SQL text or command documents) that make `schema` and insert its rows.
    fn build(&self, schema: &Schema) -> Vec<Statement>;
    /// The name the engine gives the unnamed foreign key `fk` of `table`.
    fn foreign_key_name(&self, table: &model::Table, fk: &model::ForeignKey) -> String;
}

/// One engine under test.
pub struct Engine {
    /// The driver's registered name.
    pub name: &'static str,
    /// Its databases.
    pub provision: Arc<dyn Provision>,
    /// Its DDL.
    pub dialect: Arc<dyn Dialect>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// The seed of case `i` of a run seeded `seed` (case 0 is the seed itself).
pub fn case_seed(seed: u64, i: u64) -> u64 {
    if i == 0 {
        return seed;
    }
    // splitmix64
    let mut z = seed.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs the generative round trip on `engines`, one trial per engine (`generative::<name>`),
/// plus the fixed regression seeds in `regressions` (engine, seed) before the random ones.
pub fn run(engines: Vec<Engine>, regressions: &'static [(&'static str, u64)]) -> ExitCode {
    let args = Arguments::from_args();
    let seed = env_u64("STRATA_GEN_SEED").unwrap_or_else(|| fastrand::u64(..));
    let cases = env_u64("STRATA_GEN_CASES").unwrap_or(50);
    let only: Option<Vec<String>> = std::env::var("STRATA_GEN_ENGINES")
        .ok()
        .map(|v| v.split(',').map(|e| e.trim().to_owned()).collect());
    eprintln!("generative round trip: STRATA_GEN_SEED={seed} STRATA_GEN_CASES={cases}");
    let trials = engines
        .into_iter()
        .map(|engine| {
            let skip = only
                .as_ref()
                .is_some_and(|o| !o.iter().any(|e| e == engine.name));
            let name = engine.name;
            Trial::test(format!("generative::{name}"), move || {
                run_engine(&engine, seed, cases, regressions)
            })
            .with_ignored_flag(skip)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn run_engine(
    engine: &Engine,
    seed: u64,
    cases: u64,
    regressions: &[(&str, u64)],
) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
    runtime.block_on(async {
        let reachable = match engine.provision.create().await {
            Ok(url) => engine.provision.destroy(&url).await,
            Err(e) => Err(e),
        };
        if let Err(why) = reachable {
            let required = std::env::var("STRATA_REQUIRE_ENGINES")
                .is_ok_and(|v| v.split(',').any(|e| e.trim() == engine.name));
            if required {
                return Err(Failed::from(format!("{} is required but unreachable: {why:#}", engine.name)));
            }
            eprintln!("{} is unreachable, skipped: {why:#}", engine.name);
            return Ok(());
        }
        let mut tally = case::Tally::default();
        let mut failures = Vec::new();
        let fixed = regressions.iter().filter(|(e, _)| *e == engine.name).map(|(_, s)| *s);
        for s in fixed.chain((0..cases).map(|i| case_seed(seed, i))) {
            // A panic (a driver's arithmetic overflow, say) is this case's failure, with its
            // seed, not the end of the engine's run.
            let run = std::panic::AssertUnwindSafe(case::run(engine, s)).catch_unwind();
            let result = run.await.unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                Err(format!(
                    "generative case panicked on {}: {what}\n  reproduce: STRATA_GEN_SEED={s} STRATA_GEN_CASES=1 STRATA_GEN_ENGINES={} cargo test -p strata-conformance --test generative",
                    engine.name, engine.name
                ))
            });
            match result {
                Ok(outcome) => tally.add(outcome),
                Err(report) => {
                    tally.failed += 1;
                    eprintln!("{report}");
                    failures.push(s);
                }
            }
        }
        eprintln!("{}: {tally} (STRATA_GEN_SEED={seed})", engine.name);
        if let Some(why) = tally.too_few_round_trips() {
            return Err(Failed::from(format!("{}: {why} (STRATA_GEN_SEED={seed})", engine.name)));
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "{} of the cases failed on {}; reproduce one with STRATA_GEN_SEED=<seed> STRATA_GEN_CASES=1 STRATA_GEN_ENGINES={}: seeds {failures:?}",
                failures.len(),
                engine.name,
                engine.name
            )))
        }
    })
}
