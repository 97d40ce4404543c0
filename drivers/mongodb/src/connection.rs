//! The driver's client and database, and how strata's statements run: every `Statement` is a
//! command document (or a list of them) as `db.runCommand` takes it, or, for done probes, a
//! `strata_probe` document the driver answers from the catalog.

use mongodb::bson::{doc, Document};
use mongodb::{Client, Database};
use strata_core::{Error, Result};

use crate::bsonx;
use crate::NAME;

/// Error codes meaning "already done", which make strata's commands idempotent.
const ALREADY: &[(&str, i32)] = &[
    ("create", 48),           // NamespaceExists
    ("drop", 26),             // NamespaceNotFound
    ("dropIndexes", 27),      // IndexNotFound
    ("dropIndexes", 26),      // NamespaceNotFound
    ("renameCollection", 26), // NamespaceNotFound: already renamed
];

/// The client and the database strata migrates.
pub struct Session {
    /// The transaction in progress, if any: commands run in it.
    txn: tokio::sync::Mutex<Option<mongodb::ClientSession>>,
    /// Commands the open transaction has run: while none has, a transient error of its first
    /// restarts the transaction (it holds nothing yet) and runs the command again.
    txn_commands: std::sync::atomic::AtomicU32,
    /// Whether the server is a replica set member (multi-document transactions).
    pub replica_set: bool,
    /// The client.
    pub client: Client,
    /// The database named by the URL.
    pub db: Database,
    /// Its name.
    pub database: String,
    /// The server's version.
    pub version: String,
    /// The server-side time limit put on every command that reads or writes documents
    /// (`maxTimeMS`), from the URL's `statement_timeout`; none by default.
    max_time: Option<std::time::Duration>,
}

/// Commands that scan documents, and so take `maxTimeMS`.
const TIMED: &[&str] = &[
    "aggregate",
    "count",
    "find",
    "distinct",
    "update",
    "delete",
    "insert",
];

/// How long transient errors are retried in all: past a dead runner's open transaction,
/// which the server aborts after `transactionLifetimeLimitSeconds` (60 s by default).
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(90);

/// Whether an error is one MongoDB documents as transient: a write conflict with another
/// session (a runner killed mid-transaction holds its writes until the server aborts it), or
/// an error labelled `TransientTransactionError`. The command changed nothing and may run
/// again.
fn transient(e: &mongodb::error::Error) -> bool {
    const WRITE_CONFLICT: i32 = 112;
    e.contains_label("TransientTransactionError")
        || matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == WRITE_CONFLICT)
        || matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Write(mongodb::error::WriteFailure::WriteError(w)) if w.code == WRITE_CONFLICT)
}

/// The wait before retry `attempt` (0-based): 100 ms doubling to 5 s.
fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis((100u64 << attempt.min(6)).min(5_000))
}

/// `url` without the keys strata reads itself (`strata_core::timeouts::KEYS`), which the
/// MongoDB client refuses as unknown options.
fn without_strata_keys(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            !strata_core::timeouts::KEYS.contains(&p.split_once('=').map_or(*p, |(k, _)| k))
        })
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

pub(crate) fn err(doing: String) -> impl FnOnce(mongodb::error::Error) -> Error {
    move |e| Error::database(NAME, doing, e)
}

impl Session {
    /// Connects to `url` (`mongodb://host:27017/database`; credentials never appear in errors).
    pub async fn connect(url: &str) -> Result<Session> {
        let timeouts = strata_core::timeouts::Timeouts::from_url(url)?;
        let url = without_strata_keys(url);
        let options = mongodb::options::ClientOptions::parse(&url)
            .await
            .map_err(|e| Error::Usage(format!("invalid MongoDB URL: {}", e.kind)))?;
        let mut options = options;
        options.server_selection_timeout = Some(std::time::Duration::from_secs(5));
        let database = options.default_database.clone().ok_or_else(|| {
            Error::Usage("the MongoDB URL names no database (mongodb://host/database)".into())
        })?;
        let hosts: Vec<String> = options.hosts.iter().map(|h| h.to_string()).collect();
        let client = Client::with_options(options)
            .map_err(err(format!("connecting to {}", hosts.join(","))))?;
        let db = client.database(&database);
        let info = client
            .database("admin")
            .run_command(doc! { "buildInfo": 1 })
            .await
            .map_err(err(format!("connecting to {}/{database}", hosts.join(","))))?;
        let version = info.get_str("version").unwrap_or_default().to_owned();
        let hello = client
            .database("admin")
            .run_command(doc! { "hello": 1 })
            .await
            .map_err(err("asking the server what it is".into()))?;
        let replica_set = hello.get_str("setName").is_ok();
        Ok(Session {
            txn: tokio::sync::Mutex::new(None),
            txn_commands: std::sync::atomic::AtomicU32::new(0),
            replica_set,
            client,
            db,
            database,
            version,
            max_time: timeouts.statement,
        })
    }

    /// Starts a multi-document transaction on a session of its own.
    pub async fn begin(&self) -> Result<()> {
        let mut s = self
            .client
            .start_session()
            .await
            .map_err(err("starting a session".into()))?;
        s.start_transaction()
            .await
            .map_err(err("starting a transaction".into()))?;
        *self.txn.lock().await = Some(s);
        self.txn_commands
            .store(0, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Commits the transaction.
    pub async fn commit(&self) -> Result<()> {
        match self.txn.lock().await.take() {
            Some(mut s) => s
                .commit_transaction()
                .await
                .map_err(err("committing".into())),
            None => Ok(()),
        }
    }

    /// Aborts the transaction.
    pub async fn abort(&self) -> Result<()> {
        match self.txn.lock().await.take() {
            Some(mut s) => s.abort_transaction().await.map_err(err("aborting".into())),
            None => Ok(()),
        }
    }

    /// Runs one command; "already done" errors of idempotent commands count as success, and
    /// write errors reported in an `ok` response (a failed validation) are errors.
    pub async fn command(&self, cmd: Document) -> Result<Document> {
        let text = || {
            bsonx::json(cmd.clone())
                .to_string()
                .chars()
                .take(200)
                .collect::<String>()
        };
        let response = self.command_raw(cmd.clone()).await?;
        if let Ok(errors) = response.get_array("writeErrors") {
            if let Some(first) = errors.first() {
                return Err(Error::database(
                    NAME,
                    format!("running {}", text()),
                    std::io::Error::other(
                        bsonx::json(first.as_document().cloned().unwrap_or_default()).to_string(),
                    ),
                ));
            }
        }
        Ok(response)
    }

    /// Runs one command as the server answers it.
    pub async fn command_raw(&self, mut cmd: Document) -> Result<Document> {
        let name = cmd.keys().next().cloned().unwrap_or_default();
        // strata writes renames within the database it migrates without naming it.
        if name == "renameCollection" && cmd.remove("strata").is_some() {
            for key in ["renameCollection", "to"] {
                let c = cmd.get_str(key).unwrap_or_default().to_owned();
                cmd.insert(key, format!("{}.{c}", self.database));
            }
        }
        let target = if name == "renameCollection" {
            self.client.database("admin")
        } else {
            self.db.clone()
        };
        if let Some(limit) = self.max_time {
            if TIMED.contains(&name.as_str()) && !cmd.contains_key("maxTimeMS") {
                cmd.insert("maxTimeMS", limit.as_millis() as i64);
            }
        }
        let started = std::time::Instant::now();
        let mut attempt = 0;
        let ran = loop {
            let mut txn = self.txn.lock().await;
            let in_transaction = txn.is_some();
            let ran = match txn.as_mut() {
                Some(session) => target.run_command(cmd.clone()).session(session).await,
                None => target.run_command(cmd.clone()).await,
            };
            use std::sync::atomic::Ordering::SeqCst;
            let first_of_transaction = in_transaction && self.txn_commands.load(SeqCst) == 0;
            // Outside a transaction a transient error changed nothing: wait and run it again.
            // Inside one, the whole transaction is what runs again (MongoDB's documented
            // retry): when the command was its first, the transaction is restarted on the
            // same session and the command run again; later in a transaction, the runner
            // fails the migration and a rollback or a new apply goes on exactly.
            match ran {
                Err(e)
                    if (!in_transaction || first_of_transaction)
                        && transient(&e)
                        && started.elapsed() < RETRY_FOR =>
                {
                    tracing::warn!("transient error, retrying: {e}");
                    if let Some(session) = txn.as_mut() {
                        // The server aborted it already; the abort ends it client-side.
                        let _ = session.abort_transaction().await;
                        session
                            .start_transaction()
                            .await
                            .map_err(err("restarting a transaction".into()))?;
                    }
                    drop(txn);
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                other => {
                    if in_transaction && other.is_ok() {
                        self.txn_commands.fetch_add(1, SeqCst);
                    }
                    break other;
                }
            }
        };
        match ran {
            Ok(d) => Ok(d),
            Err(e) => {
                if let mongodb::error::ErrorKind::Command(c) = e.kind.as_ref() {
                    if ALREADY
                        .iter()
                        .any(|(n, code)| *n == name && *code == c.code)
                    {
                        return Ok(doc! { "ok": 1 });
                    }
                }
                let text = bsonx::json(cmd).to_string();
                let head: String = text.chars().take(200).collect();
                Err(Error::database(NAME, format!("running {head}"), e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strata_keys_are_kept_from_the_client() {
        assert_eq!(
            without_strata_keys(
                "mongodb://h/db?statement_timeout=5&replicaSet=rs0&connect_timeout=2"
            ),
            "mongodb://h/db?replicaSet=rs0"
        );
        assert_eq!(
            without_strata_keys("mongodb://h/db?lock_wait_timeout=1"),
            "mongodb://h/db"
        );
        assert_eq!(without_strata_keys("mongodb://h/db"), "mongodb://h/db");
    }

    #[test]
    fn retries_back_off_to_five_seconds() {
        assert_eq!(backoff(0).as_millis(), 100);
        assert_eq!(backoff(3).as_millis(), 800);
        assert_eq!(backoff(40).as_millis(), 5_000);
        let total: u128 = (0..30).map(|a| backoff(a).as_millis()).sum();
        assert!(
            total > RETRY_FOR.as_millis(),
            "30 attempts outlast the retry window"
        );
    }
}
