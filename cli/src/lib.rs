//! # strata-cli
//!
//! The `strata` command line as a library, so tests can run it in-process; `main.rs` is a thin
//! wrapper around [`main_with_args`]. Built-in drivers are linked behind cargo features.

/// `println!` and friends, with every secret scrubbed (see [`strata_core::secrets`]): the
/// only way the CLI writes to its streams.
macro_rules! outln {
    ($($t:tt)*) => { println!("{}", strata_core::secrets::scrub(&format!($($t)*))) };
}
macro_rules! out {
    ($($t:tt)*) => { print!("{}", strata_core::secrets::scrub(&format!($($t)*))) };
}
macro_rules! errln {
    ($($t:tt)*) => { eprintln!("{}", strata_core::secrets::scrub(&format!($($t)*))) };
}
macro_rules! err {
    ($($t:tt)*) => { eprint!("{}", strata_core::secrets::scrub(&format!($($t)*))) };
}

mod args;
mod config;
mod progress;
mod render;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use clap::Parser;
use strata::Migrator;
use strata_core::checks;
use strata_core::runner::RollbackTarget;
use strata_core::{migration, registry, Driver, Error};

pub use args::{BackupsCommand, Cli, Command};

/// Runs strata with `args` (the first is the program name); returns the exit code.
pub fn main_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    // Two workers, so that the drivers' background tasks (MongoDB's server monitor) run while
    // the command is busy planning or printing a large plan.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(run(cli));
    progress::finish();
    match result {
        Ok(()) => 0,
        Err(e) => {
            errln!("error: {e}");
            for cause in e.chain().skip(1) {
                errln!("  caused by: {cause}");
            }
            e.chain()
                .find_map(|c| c.downcast_ref::<Error>())
                .map_or(1, Error::exit_code)
        }
    }
}

/// What `plan` and `apply` say when nothing is pending up to `to`: every migration is
/// applied, or some wait above `--to`.
async fn nothing_to_apply(
    driver: &dyn Driver,
    migrator: &Migrator,
    to: Option<u64>,
) -> anyhow::Result<String> {
    let above: Vec<u64> = migrator
        .status_with(driver)
        .await?
        .iter()
        .filter(|s| {
            s.state == strata_core::history::MigrationState::Pending
                && to.is_some_and(|t| s.version > t)
        })
        .map(|s| s.version)
        .collect();
    Ok(match (to, above.len()) {
        (Some(t), n) if n > 0 => format!(
            "nothing to apply up to version {t}: {n} pending migration{} above it ({})",
            if n > 1 { "s" } else { "" },
            above
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "nothing to apply: every migration is applied".to_owned(),
    })
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn load_migrations(dir: &Path) -> anyhow::Result<Vec<migration::Migration>> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "migrations directory {} does not exist (use --dir, or create one with `strata new NAME`)",
            dir.display()
        ))
        .into());
    }
    Ok(migration::discover(dir)?)
}

fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage("no terminal to confirm on: pass --yes to proceed".into()).into());
    }
    err!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Error::refused(strata_core::Refusal::new(
            strata_core::RefusalKind::Unconfirmed,
            "not confirmed",
        ))
        .into())
    }
}

async fn connect(
    migrator: &Migrator,
    settings: &config::Settings,
) -> anyhow::Result<Box<dyn Driver>> {
    migrator.connect(&settings.url).await.with_context(|| {
        format!(
            "cannot open {}",
            strata_core::secrets::redact_url(&settings.url)
        )
    })
}

/// Loads the plugins named by `STRATA_PLUGIN_PATH`, then by `--plugin`.
fn load_plugins(cli: &Cli) -> anyhow::Result<()> {
    let mut libraries = match std::env::var_os("STRATA_PLUGIN_PATH") {
        Some(list) => strata_core::plugin::libraries_in(&list)?,
        None => Vec::new(),
    };
    libraries.extend(cli.plugins.iter().cloned());
    for library in &libraries {
        registry::load_plugin(library)?;
    }
    Ok(())
}

/// `strata monitor`: one report, or one every `watch` seconds until interrupted.
async fn monitor(driver: &dyn Driver, watch: Option<u64>, json: bool) -> anyhow::Result<()> {
    loop {
        let report = strata_core::monitor::report(driver).await?;
        if json && watch.is_some() {
            outln!("{}", serde_json::to_string(&report)?);
        } else if json {
            print_json(&report)?;
        } else {
            if watch.is_some() && std::io::stdout().is_terminal() {
                out!("\x1b[2J\x1b[H");
            }
            out!("{}", render::monitor(&report));
        }
        std::io::stdout().flush()?;
        let Some(secs) = watch else {
            return Ok(());
        };
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    load_plugins(&cli)?;
    if let Command::Drivers = cli.command {
        let list: Vec<_> = registry::drivers()?.into_values().collect();
        if cli.json {
            let rows: Vec<_> = list
                .iter()
                .map(|d| serde_json::json!({"name": d.name, "url_schemes": d.url_schemes, "capabilities": d.capabilities, "origin": d.origin.to_string()}))
                .collect();
            return print_json(&rows);
        }
        out!("{}", render::drivers(&list));
        return Ok(());
    }
    let settings = config::resolve(&cli)?;
    if let Command::New { name, format } = &cli.command {
        return new_migration(&settings.dir, name, format);
    }
    if let Command::Monitor { watch } = cli.command {
        let driver = connect(&migrator_of(Vec::new(), &settings, &cli)?, &settings).await?;
        return monitor(driver.as_ref(), watch, cli.json).await;
    }
    let migrations = match cli.command {
        Command::Restore { .. } | Command::Backups { .. } => Vec::new(),
        _ => load_migrations(&settings.dir)?,
    };
    let migrator = migrator_of(migrations, &settings, &cli)?;
    let driver = connect(&migrator, &settings).await?;
    let driver = driver.as_ref();
    match cli.command {
        Command::Status => {
            let statuses = migrator.status_with(driver).await?;
            let lock = driver.lock_holder().await?;
            if cli.json {
                return print_json(&serde_json::json!({ "migrations": statuses, "lock": lock }));
            }
            outln!(
                "{} on {}",
                driver.name(),
                strata_core::secrets::redact_url(&settings.url)
            );
            out!("{}", render::status(&statuses));
            match lock {
                Some(holder) => outln!("runner lock {}: held by {holder}", driver.lock_name()),
                None => outln!("runner lock {}: free", driver.lock_name()),
            }
        }
        Command::Plan { to } => {
            let plans = migrator.plan_with(driver).await?;
            if cli.json {
                print_json(&plans)?;
            } else {
                if plans.is_empty() {
                    outln!("{}", nothing_to_apply(driver, &migrator, to).await?);
                }
                for p in &plans {
                    out!("{}", render::plan(p));
                }
                if !plans.is_empty() {
                    let checks = checks::run(driver, &checks::Needs::of(&plans)).await?;
                    out!("{}", render::checks(&checks));
                }
            }
            // Exit as `apply` would (3), so a CI job can gate on `strata plan`.
            let refused: Vec<u64> = plans
                .iter()
                .filter(|p| !p.refusals().is_empty())
                .map(|p| p.version)
                .collect();
            if !refused.is_empty() {
                return Err(Error::refused_all(
                    format!(
                        "the plan refuses migration{} {}; `strata apply` would stop before running anything",
                        if refused.len() > 1 { "s" } else { "" },
                        refused.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
                    ),
                    plans.iter().flat_map(|p| p.refusals()).collect(),
                )
                .into());
            }
        }
        Command::Apply {
            to, dry_run, yes, ..
        } => {
            if !dry_run {
                let pending = migrator
                    .status_with(driver)
                    .await?
                    .iter()
                    .filter(|s| s.state.label() != "applied")
                    .count();
                if pending > 0 {
                    confirm(
                        &format!(
                            "Apply pending migrations to {}?",
                            strata_core::secrets::redact_url(&settings.url)
                        ),
                        yes,
                    )?;
                }
            }
            let report = if dry_run {
                migrator.dry_run_with(driver).await?
            } else {
                migrator.apply_with(driver).await?
            };
            if dry_run {
                for p in &report.plans {
                    out!("{}", render::plan(p));
                }
                outln!("dry run: nothing was changed");
            } else if report.applied.is_empty() && report.resumed.is_empty() {
                outln!("{}", nothing_to_apply(driver, &migrator, to).await?);
            } else {
                for v in &report.resumed {
                    outln!("completed migration {v}");
                }
                for v in &report.applied {
                    outln!("applied migration {v}");
                }
                for (version, manifest) in &report.backup_files {
                    outln!(
                        "wrote the backups of migration {version} to {}",
                        manifest.display()
                    );
                }
            }
        }
        Command::Rollback { steps, to, yes } => {
            let target = match to {
                Some(v) => RollbackTarget::To(v),
                None => RollbackTarget::Steps(steps.unwrap_or(1)),
            };
            confirm(
                &format!(
                    "Roll back on {}?",
                    strata_core::secrets::redact_url(&settings.url)
                ),
                yes,
            )?;
            let undone = migrator.rollback_with(driver, target).await?;
            if undone.is_empty() {
                outln!("nothing to roll back");
            }
            for v in undone {
                outln!("rolled back migration {v}");
            }
        }
        Command::Guide { output } => {
            let statuses = migrator.status_with(driver).await?;
            let plans = migrator.plan_with(driver).await?;
            let checks = checks::run(driver, &checks::Needs::of(&plans)).await?;
            let server_version = driver.server_version().await?;
            let database = strata_core::secrets::redact_url(&settings.url);
            let markdown = strata_core::guide::render(&strata_core::guide::GuideInput {
                engine: driver.name(),
                server_version: &server_version,
                database: &database,
                date: chrono::Utc::now(),
                applied_version: statuses
                    .iter()
                    .filter(|s| s.state == strata_core::history::MigrationState::Applied)
                    .map(|s| s.version)
                    .max(),
                plans: &plans,
                checks: &checks,
                transactional: driver.capabilities().transactional_ddl,
                lock_name: &driver.lock_name(),
            });
            match output {
                Some(path) => {
                    std::fs::write(&path, strata_core::secrets::scrub(&markdown).as_bytes())
                        .map_err(|source| Error::Io {
                            path: path.display().to_string(),
                            source,
                        })?;
                    errln!("wrote the migration guide to {}", path.display());
                }
                None => out!("{markdown}"),
            }
        }
        Command::Restore { from, table } => {
            let restored =
                strata_core::backup_file::restore(driver, &from, table.as_deref()).await?;
            if cli.json {
                return print_json(&restored);
            }
            for r in &restored {
                outln!(
                    "restored {} rows of {} into {}{} (fingerprint {} matches the backup)",
                    r.rows,
                    r.backup,
                    r.table,
                    if r.created { ", created" } else { "" },
                    r.fingerprint.digest
                );
            }
        }
        Command::Backups { action } => {
            let all = strata_core::backups::list(driver).await?;
            match action {
                BackupsCommand::List => {
                    if cli.json {
                        return print_json(&all);
                    }
                    out!("{}", render::backups(&all));
                }
                BackupsCommand::Drop { older_than, yes } => {
                    let old =
                        strata_core::backups::older_than(&all, older_than, chrono::Utc::now());
                    if old.is_empty() {
                        outln!("no backup of a migration applied more than {older_than} days ago");
                        return Ok(());
                    }
                    out!("{}", render::backups(&old));
                    confirm(
                        &format!(
                            "Drop these {} backups? Rolling back their migrations will no longer restore what they destroyed.",
                            old.len()
                        ),
                        yes,
                    )?;
                    strata_core::backups::drop_all(driver, &old).await?;
                    for b in &old {
                        outln!("dropped {}", b.name);
                    }
                }
            }
        }
        Command::Verify => {
            let checks = strata_core::verify::verify(driver, migrator.migrations()).await?;
            if cli.json {
                print_json(&checks)?;
            } else {
                out!("{}", render::verify(&checks));
            }
            let failed: Vec<&str> = checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.check.as_str())
                .collect();
            if !failed.is_empty() {
                return Err(Error::Verification(failed.join("; ")).into());
            }
        }
        Command::Drivers | Command::New { .. } | Command::Monitor { .. } => {
            unreachable!("handled above")
        }
    }
    Ok(())
}

/// The library's [`Migrator`] over `migrations`, with what the command line says: `--engine`,
/// `--lock-timeout`, `--to`, `--allow-data-loss`, and progress on stderr.
fn migrator_of(
    migrations: Vec<migration::Migration>,
    settings: &config::Settings,
    cli: &Cli,
) -> anyhow::Result<Migrator> {
    let (to, allow_data_loss) = match &cli.command {
        Command::Plan { to } => (*to, false),
        Command::Apply {
            to,
            allow_data_loss,
            ..
        } => (*to, *allow_data_loss),
        _ => (None, false),
    };
    let backup_dir = match &cli.command {
        Command::Apply { backup_dir, .. } => backup_dir.clone(),
        _ => None,
    };
    let mut migrator = Migrator::from_migrations(migrations)?
        .lock_timeout(settings.lock_timeout)
        .allow_data_loss(allow_data_loss)
        .on_progress(progress::line);
    if let Some(to) = to {
        migrator = migrator.up_to(to);
    }
    if let Some(dir) = backup_dir {
        migrator = migrator.backup_dir(dir);
    }
    Ok(match &settings.engine {
        Some(engine) => migrator.engine(engine.clone()),
        None => migrator,
    })
}

fn new_migration(dir: &Path, name: &str, format: &str) -> anyhow::Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::Usage(format!(
            "migration name {name:?}: use letters, digits and underscores"
        ))
        .into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let next = if dir.is_dir() {
        std::fs::read_dir(dir)?
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()
                    .and_then(migration::version_of)
                    .map(|(v, _)| v)
            })
            .max()
            .unwrap_or(0)
            + 1
    } else {
        1
    };
    let path = dir.join(format!("{next:04}_{name}.{format}"));
    let body = match format {
        "yaml" => format!("description: \"{name}\"\nstep:\n  - op: add_column\n    table: my_table\n    column: my_column\n    type: text\n"),
        "json" => format!("{{\n  \"description\": \"{name}\",\n  \"step\": [\n    {{ \"op\": \"add_column\", \"table\": \"my_table\", \"column\": \"my_column\", \"type\": \"text\" }}\n  ]\n}}\n"),
        _ => format!("description = \"{name}\"\n\n# One [[step]] per change; see docs/steps.md for every op and field.\n[[step]]\nop = \"add_column\"\ntable = \"my_table\"\ncolumn = \"my_column\"\ntype = \"text\"\n"),
    };
    std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
    outln!("created {}", path.display());
    Ok(())
}
