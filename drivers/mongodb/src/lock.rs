//! The runner lock: a lease document with an owner and an expiry, renewed by a heartbeat while
//! held. A crashed runner's lease expires; a live one is renewed and never stolen.

use std::time::Duration;

use mongodb::bson::{doc, DateTime, Document};
use strata_core::lock::LockHolder;
use strata_core::Result;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::connection::Session;

/// The collection holding the lease.
pub const LOCKS: &str = "strata_lock";
/// How long a lease lives without a heartbeat: `STRATA_MONGODB_LEASE_MS`, else 6 s. The
/// heartbeat renews it three times per lease.
pub fn lease() -> Duration {
    let ms = std::env::var("STRATA_MONGODB_LEASE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6000);
    Duration::from_millis(ms)
}

/// This runner's side of the lease.
pub struct Lease {
    owner: String,
    heartbeat: Mutex<Option<JoinHandle<()>>>,
}

impl Lease {
    pub fn new() -> Self {
        Lease {
            owner: strata_core::testing::random_database_name().replace("strata_test_", "runner-"),
            heartbeat: Mutex::new(None),
        }
    }

    fn expiry() -> DateTime {
        DateTime::from_millis(DateTime::now().timestamp_millis() + lease().as_millis() as i64)
    }

    pub async fn try_lock(&self, session: &Session) -> Result<bool> {
        let now = DateTime::now();
        let taken = session
            .command_raw(doc! {
                "update": LOCKS,
                "updates": [{
                    "q": { "_id": "runner", "$or": [{ "owner": &self.owner }, { "expires": { "$lt": now } }] },
                    "u": { "$set": {
                        "owner": &self.owner,
                        "expires": Self::expiry(),
                        "since": now,
                        "heartbeat": now,
                        "host": host(),
                        "pid": i64::from(std::process::id()),
                    } },
                    "upsert": true,
                }],
            })
            .await?;
        // Another runner's live lease makes the upsert collide on `_id`.
        if taken.get_array("writeErrors").is_ok_and(|e| !e.is_empty()) {
            return Ok(false);
        }
        let collection = session.db.collection::<mongodb::bson::Document>(LOCKS);
        let owner = self.owner.clone();
        let beat = tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease() / 3).await;
                let renewed = collection
                    .update_one(
                        doc! { "_id": "runner", "owner": &owner },
                        doc! { "$set": { "expires": Self::expiry(), "heartbeat": DateTime::now() } },
                    )
                    .await;
                if renewed.is_err() {
                    tracing::warn!("could not renew the strata lease");
                }
            }
        });
        if let Some(old) = self.heartbeat.lock().await.replace(beat) {
            old.abort();
        }
        Ok(true)
    }

    pub async fn unlock(&self, session: &Session) -> Result<()> {
        if let Some(beat) = self.heartbeat.lock().await.take() {
            beat.abort();
        }
        session.command(doc! { "delete": LOCKS, "deletes": [{ "q": { "_id": "runner", "owner": &self.owner }, "limit": 1 }] }).await.map(drop)
    }

    /// The live lease of another runner: its owner, host and process, since when it holds
    /// the lease, its last heartbeat and when it expires without another.
    pub async fn holder(&self, session: &Session) -> Result<Option<LockHolder>> {
        let lease = session
            .db
            .collection::<Document>(LOCKS)
            .find_one(doc! { "_id": "runner", "expires": { "$gt": DateTime::now() } })
            .await
            .map_err(|e| strata_core::Error::database(crate::NAME, "reading the lease", e))?;
        let Some(lease) = lease.filter(|l| l.get_str("owner") != Ok(self.owner.as_str())) else {
            return Ok(None);
        };
        let now = DateTime::now().timestamp_millis();
        let ago = |key: &str| {
            lease
                .get_datetime(key)
                .ok()
                .map(|t| (now - t.timestamp_millis()) as f64 / 1000.0)
        };
        let mut detail = Vec::new();
        if let Some(beat) = ago("heartbeat") {
            detail.push(format!("last heartbeat {beat:.1} s ago"));
        }
        if let Some(left) = ago("expires") {
            detail.push(format!("lease expires in {:.1} s without another", -left));
        }
        Ok(Some(LockHolder {
            connection: format!("runner {}", lease.get_str("owner").unwrap_or("?")),
            application: Some("strata".into()),
            client: lease
                .get_str("host")
                .ok()
                .map(|h| match lease.get_i64("pid") {
                    Ok(pid) => format!("{h}, process {pid}"),
                    Err(_) => h.to_owned(),
                }),
            since: lease
                .get_datetime("since")
                .ok()
                .and_then(|t| t.try_to_rfc3339_string().ok()),
            statement: None,
            detail: Some(detail.join(", ")),
        }))
    }

    pub fn name(&self, session: &Session) -> String {
        format!(
            "lease `runner` in {}.{LOCKS} (expires {:.1} s after its last heartbeat)",
            session.database,
            lease().as_secs_f64()
        )
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(beat) = self.heartbeat.get_mut().take() {
            beat.abort();
        }
    }
}

/// This machine's name, for the lease (`HOSTNAME`, else `/etc/hostname`).
fn host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}
