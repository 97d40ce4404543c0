//! The driver's one connection to the database file, its settings, and the runner lock.

use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use strata_core::{Error, Result};
use tokio::sync::{Mutex, MutexGuard};

use crate::NAME;

/// strata's session: foreign keys off and the legacy rename behaviour, as SQLite's documented
/// table-rebuild procedure requires (foreign keys are checked with `pragma_foreign_key_check`
/// instead); waits up to 10 s for another writer.
const SESSION_SETUP: &str =
    "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON; PRAGMA busy_timeout = 10000";

/// One connection; the runner lock is an OS lock on `<database>.strata-lock`.
pub struct Session {
    conn: Mutex<SqliteConnection>,
    /// The database file (`None` in memory).
    pub path: Option<PathBuf>,
    lock: Mutex<Option<File>>,
}

impl Session {
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
            .map_err(|e| {
                Error::database(NAME, format!("opening {url}{}", hint(path.as_deref())), e)
            })?;
        // The lock file sits beside the database's real path: two spellings of one file (a
        // symbolic link, `./x.db` and `x.db`) must meet on the same lock.
        let path = path.map(|p| std::fs::canonicalize(&p).unwrap_or(p));
        conn.execute(SESSION_SETUP)
            .await
            .map_err(|e| Error::database(NAME, "setting up the session", e))?;
        Ok(Session {
            conn: Mutex::new(conn),
            path,
            lock: Mutex::new(None),
        })
    }

    /// The connection, for queries with bound parameters.
    pub async fn conn(&self) -> MutexGuard<'_, SqliteConnection> {
        self.conn.lock().await
    }

    /// Runs SQL text (one or several statements); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        let mut conn = self.conn.lock().await;
        let done = conn
            .execute(sql)
            .await
            .map_err(|e| db_error("executing", sql, e))?;
        Ok(done.rows_affected())
    }

    /// Runs a query whose last statement returns one row of counts.
    pub async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        let mut conn = self.conn.lock().await;
        let rows = conn
            .fetch_all(sql)
            .await
            .map_err(|e| db_error("querying", sql, e))?;
        let Some(row) = rows.last() else {
            return Err(Error::Verification(format!("`{sql}` returned no row")));
        };
        (0..row.len())
            .map(|i| {
                row.try_get_unchecked::<Option<i64>, _>(i)
                    .map(|v| v.unwrap_or(0))
                    .map_err(|e| db_error("reading the counts of", sql, e))
            })
            .collect()
    }

    /// Runs a query whose first row's first column is a count.
    pub async fn count(&self, sql: &str) -> Result<i64> {
        Ok(self.counts(sql).await?.first().copied().unwrap_or(0))
    }

    /// Runs a query returning rows of text (every column, NULL as `None`).
    pub async fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let mut conn = self.conn.lock().await;
        let rows = conn
            .fetch_all(sql)
            .await
            .map_err(|e| db_error("querying", sql, e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get_unchecked::<Option<String>, _>(i)
                            .map_err(|e| db_error("reading", sql, e))
                    })
                    .collect()
            })
            .collect()
    }

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
                *self.lock.lock().await = Some(file);
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
        if self.lock.lock().await.is_some() {
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
        if let Some(file) = self.lock.lock().await.take() {
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

#[async_trait::async_trait]
impl strata_core::counter::CountSource for Session {
    fn quote_table(&self, name: &strata_core::QualifiedName) -> String {
        crate::sql::table(name)
    }

    async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        Session::counts(self, sql).await
    }
}

/// A database error that quotes the start of the statement it came from.
pub fn db_error(doing: &str, sql: &str, e: sqlx::Error) -> Error {
    let mut head: String = sql.chars().take(160).collect();
    if head.len() < sql.len() {
        head.push('…');
    }
    Error::database(NAME, format!("{doing} `{head}`"), e)
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
        let first = Session::connect(&format!("sqlite://{}?mode=rwc", real.display()))
            .await
            .unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let second = Session::connect(&format!("sqlite://{}", link.display()))
            .await
            .unwrap();
        assert!(
            first.try_lock().await.unwrap(),
            "the first runner takes the lock"
        );
        assert!(
            !second.try_lock().await.unwrap(),
            "the lock was taken again through the link"
        );
        first.unlock().await.unwrap();
        assert!(second.try_lock().await.unwrap());
        second.unlock().await.unwrap();
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
