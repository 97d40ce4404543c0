//! The test harness: one libtest-mimic trial per scenario, named `<driver>::<scenario>`.

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use libtest_mimic::{Arguments, Failed, Trial};

use crate::context::TestContext;
use crate::scenarios::{Scenario, SCENARIOS};

/// Makes and removes test databases for one engine.
#[async_trait]
pub trait Provision: Send + Sync {
    /// Creates a fresh, empty database with a random name; returns its URL.
    async fn create(&self) -> anyhow::Result<String>;
    /// Drops a database made by [`Provision::create`].
    async fn destroy(&self, url: &str) -> anyhow::Result<()>;
    /// Everything the engine itself reports of the database at `url`, read from its catalog
    /// over a connection of its own (not through strata's inspection), with a digest of each
    /// table's rows: object name → description. Scenarios compare it before and after a
    /// rollback, so whatever the engine has, strata must give back.
    async fn catalog(&self, url: &str) -> anyhow::Result<Catalog>;
}

/// What [`Provision::catalog`] returns: object (`column public.users.age`) → what the engine
/// says of it.
pub type Catalog = std::collections::BTreeMap<String, String>;

fn required(engine: &str) -> bool {
    std::env::var("STRATA_REQUIRE_ENGINES")
        .map(|v| v.split(',').any(|e| e.trim() == engine))
        .unwrap_or(false)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs every scenario against the driver named `engine`, with databases from `provision`.
///
/// When the engine is unreachable the scenarios are skipped, unless
/// `STRATA_REQUIRE_ENGINES` names it: then they fail.
pub fn run(engine: &'static str, provision: Arc<dyn Provision>) -> ExitCode {
    run_with(engine, provision, &[])
}

/// [`run`], plus the driver's own scenarios (`own`): what only its engine has, built with the
/// engine's own DDL, run by the same harness on fresh databases, catalogs compared alike.
pub fn run_with(
    engine: &'static str,
    provision: Arc<dyn Provision>,
    own: &'static [Scenario],
) -> ExitCode {
    let args = Arguments::from_args();
    let reachable = runtime().block_on(async {
        match provision.create().await {
            Ok(url) => {
                let _ = provision.destroy(&url).await;
                Ok(())
            }
            Err(e) => Err(format!("{e:#}")),
        }
    });
    let unreachable = reachable.err();
    let capabilities = match strata_core::registry::by_name(engine) {
        Ok(r) => r.capabilities,
        Err(e) => {
            eprintln!("no driver registered as {engine}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(why) = &unreachable {
        eprintln!("{engine} is unreachable: {why}");
    }
    let trials = SCENARIOS
        .iter()
        .chain(own)
        .map(|scenario| {
            let provision = provision.clone();
            let unreachable = unreachable.clone();
            let gated = (scenario.skip_unless)(&capabilities);
            if let Some(reason) = gated {
                eprintln!(
                    "{engine}::{} is skipped: the driver does not declare {reason}",
                    scenario.name
                );
            }
            let skip = gated.is_some() || unreachable.is_some() && !required(engine);
            Trial::test(format!("{engine}::{}", scenario.name), move || {
                if let Some(why) = unreachable {
                    return Err(Failed::from(format!(
                        "{engine} is required (STRATA_REQUIRE_ENGINES) but unreachable: {why}"
                    )));
                }
                run_one(engine, scenario, provision)
            })
            .with_ignored_flag(skip)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn run_one(
    engine: &'static str,
    scenario: &Scenario,
    provision: Arc<dyn Provision>,
) -> Result<(), Failed> {
    runtime().block_on(async move {
        let url = provision
            .create()
            .await
            .map_err(|e| format!("creating a test database: {e:#}"))?;
        let result = async {
            let ctx = TestContext::provisioned(engine, &url, provision.clone()).await?;
            (scenario.run)(&ctx).await
        }
        .await;
        let dropped = provision.destroy(&url).await;
        result.map_err(|e| Failed::from(format!("{e:#}")))?;
        dropped.map_err(|e| Failed::from(format!("dropping the test database: {e:#}")))
    })
}
