//! Where the URL, the engine and the migrations directory come from: flags, then
//! `DATABASE_URL`, then `strata.toml`, then the defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use strata_core::Error;

use crate::args::Cli;

/// `strata.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL.
    pub url: Option<String>,
    /// Engine name.
    pub engine: Option<String>,
    /// Migrations directory, relative to the file.
    pub migrations: Option<PathBuf>,
    /// Seconds to wait for the runner lock.
    pub lock_timeout: Option<u64>,
    /// How long the PostgreSQL and MySQL drivers wait for their server, in seconds, where
    /// the URL does not say (see `strata_core::timeouts`).
    pub timeouts: Option<TimeoutsConfig>,
}

/// `[timeouts]` of `strata.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsConfig {
    /// To connect (URL `connect_timeout`) [10].
    pub connect: Option<u64>,
    /// For one statement's answer (URL `statement_timeout`) [none].
    pub statement: Option<u64>,
    /// For a lock another session holds (URL `lock_wait_timeout`) [10].
    pub lock_wait: Option<u64>,
}

/// `url` with `strata.toml`'s timeouts added where it gives none, for the engines whose
/// drivers read them (other clients refuse keys they do not know).
fn with_timeouts(url: String, t: Option<&TimeoutsConfig>) -> String {
    let Some(t) = t else { return url };
    let sql = ["postgres://", "postgresql://", "mysql://", "mariadb://"];
    if !sql.iter().any(|s| url.starts_with(s)) {
        return url;
    }
    let pairs: Vec<(&str, u64)> = [
        ("connect_timeout", t.connect),
        ("statement_timeout", t.statement),
        ("lock_wait_timeout", t.lock_wait),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    strata_core::timeouts::with_defaults(&url, &pairs)
}

/// The resolved settings.
pub struct Settings {
    /// Database URL (may hold a password: never print it; use
    /// [`strata_core::secrets::redact_url`]).
    pub url: String,
    /// Engine, when given.
    pub engine: Option<String>,
    /// Migrations directory.
    pub dir: PathBuf,
    /// Lock wait.
    pub lock_timeout: Duration,
}

/// The embedded default database.
pub const DEFAULT_URL: &str = "sqlite://strata.db?mode=rwc";

fn load(path: &Path) -> Result<FileConfig, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| Error::Usage(format!("{}: {}", path.display(), e.message()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(source) => Err(Error::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Resolves the settings for `cli`, reading `strata.toml` in the working directory.
pub fn resolve(cli: &Cli) -> Result<Settings, Error> {
    // Every URL the command could print is noted before anything can fail on it.
    for url in cli.url.iter() {
        strata_core::secrets::remember(url);
    }
    let file = load(Path::new("strata.toml"))?;
    for url in file.url.iter() {
        strata_core::secrets::remember(url);
    }
    let url = cli
        .url
        .clone()
        .or(file.url)
        .unwrap_or_else(|| DEFAULT_URL.to_owned());
    Ok(Settings {
        url: with_timeouts(url, file.timeouts.as_ref()),
        engine: cli.engine.clone().or(file.engine),
        dir: cli
            .dir
            .clone()
            .or(file.migrations)
            .unwrap_or_else(|| PathBuf::from("migrations")),
        lock_timeout: cli
            .lock_timeout
            .or(file.lock_timeout)
            .map_or(strata_core::lock::DEFAULT_TIMEOUT, Duration::from_secs),
    })
}
