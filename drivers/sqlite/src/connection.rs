//! The driver's one connection to the database file, its settings, and the runner lock.

use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor};
use strata_core::{Error, Result};
use tokio::sync::Mutex;

use crate::dialect::Lite;
use crate::NAME;

/// strata's session: foreign keys off and the legacy rename behaviour, as SQLite's documented
/// table-rebuild procedure requires (foreign keys are checked with `pragma_foreign_key_check`
/// instead); waits up to 10 s for another writer.
const SESSION_SETUP: &str =
    "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON; PRAGMA busy_timeout = 10000";

/// The driver's one session: the shared one, on a `SqliteConnection`, with the database file
/// and its runner lock.
pub type Session = strata_sql::Session<Lite>;

/// The database file (`None` in memory) and the runner lock on it: an OS lock on
/// `<database>.strata-lock`.
pub struct FileLock {
    /// The database file, by its real path.
    pub path: Option<PathBuf>,
    held: Mutex<Option<File>>,
}

/// Opens `url` (`sqlite://strata.db?mode=rwc`, `sqlite::memory:`).
pub async fn connect(url: &str) -> Result<Session> {
    let options: SqliteConnectOptions = url
        .parse()
        .map_err(|e| Error::Usage(format!("invalid SQLite URL {url}: {e}")))?;
    let path = Some(options.get_filename().to_path_buf())
        .filter(|p| !p.as_os_str().is_empty() && p.to_str() != Some(":memory:"));
    let options = options.log_statements(tracing::log::LevelFilter::Trace);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| Error::database(NAME, format!("opening {url}{}", hint(path.as_deref())), e))?;
    // The lock file sits beside the database's real path: two spellings of one file (a
    // symbolic link, `./x.db` and `x.db`) must meet on the same lock.
    let path = path.map(|p| std::fs::canonicalize(&p).unwrap_or(p));
    conn.execute(SESSION_SETUP)
        .await
        .map_err(|e| Error::database(NAME, "setting up the session", e))?;
    let database = path
        .as_ref()
        .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string());
    Ok(Session::new(
        conn,
        None,
        database,
        FileLock {
            path,
            held: Mutex::new(None),
        },
    ))
}

impl FileLock {
    /// Takes the runner lock: an OS lock on a file beside the database, released when the
    /// process ends, however it ends. In memory there is one connection: always free.
    pub async fn try_lock(&self) -> Result<bool> {
        let Some(path) = &self.path else {
            return Ok(true);
        };
        let lock_path = lock_path(path);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| Error::Io {
                path: lock_path.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {
                // Who holds it, for a runner that finds it taken (see `lock_holder`).
                let mut file = file;
                let _ = file.set_len(0);
                let _ = writeln!(
                    file,
                    "process {} since {}",
                    std::process::id(),
                    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
                );
                *self.held.lock().await = Some(file);
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io {
                path: lock_path.display().to_string(),
                source,
            }),
        }
    }

    /// The process holding the lock, as it wrote itself into the lock file, when another
    /// process holds it.
    pub async fn lock_holder(&self) -> Result<Option<strata_core::lock::LockHolder>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        if self.held.lock().await.is_some() {
            return Ok(None);
        }
        let lock_path = lock_path(path);
        let Ok(file) = File::open(&lock_path) else {
            return Ok(None);
        };
        // Free if it can be taken now (and released at once).
        if file.try_lock_shared().is_ok() {
            let _ = file.unlock();
            return Ok(None);
        }
        let text = std::fs::read_to_string(&lock_path).unwrap_or_default();
        let (connection, since) = match text.trim().split_once(" since ") {
            Some((who, when)) => (who.to_owned(), Some(when.to_owned())),
            None => ("another process".to_owned(), None),
        };
        Ok(Some(strata_core::lock::LockHolder {
            connection,
            since,
            ..Default::default()
        }))
    }

    /// Releases it.
    pub async fn unlock(&self) -> Result<()> {
        if let Some(file) = self.held.lock().await.take() {
            let _ = file.unlock();
        }
        Ok(())
    }

    /// The lock's name, for messages.
    pub fn lock_name(&self) -> String {
        match &self.path {
            Some(p) => format!("file lock on {}", lock_path(p).display()),
            None => "in-memory database (one connection)".into(),
        }
    }
}

fn lock_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".strata-lock");
    PathBuf::from(name)
}

/// Why a database file may not open, when it can be told from the path: a directory that
/// does not exist, or a file that does not exist while the URL does not ask to create it.
fn hint(path: Option<&std::path::Path>) -> String {
    let Some(path) = path else {
        return String::new();
    };
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => {
            format!(" (the directory {} does not exist)", dir.display())
        }
        _ if !path.exists() => format!(
            " ({} does not exist; add ?mode=rwc to the URL to create it)",
            path.display()
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two spellings of one database file, one through a symbolic link, take one lock.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_symbolic_link_meets_the_same_lock() {
        let dir = std::env::temp_dir().join(format!("strata-sqlite-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let real = dir.join("real.db");
        let link = dir.join("link.db");
        let first = connect(&format!("sqlite://{}?mode=rwc", real.display()))
            .await
            .unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let second = connect(&format!("sqlite://{}", link.display()))
            .await
            .unwrap();
        assert!(
            first.state.try_lock().await.unwrap(),
            "the first runner takes the lock"
        );
        assert!(
            !second.state.try_lock().await.unwrap(),
            "the lock was taken again through the link"
        );
        first.state.unlock().await.unwrap();
        assert!(second.state.try_lock().await.unwrap());
        second.state.unlock().await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_file_or_directory_is_named() {
        assert!(hint(Some(std::path::Path::new("/no/such/dir/x.db")))
            .contains("/no/such/dir does not exist"));
        assert!(hint(Some(std::path::Path::new("no-such-file.db"))).contains("?mode=rwc"));
        assert_eq!(hint(None), "");
    }
}
