//! The runner lock: a session-level advisory lock, released on unlock or when the session
//! ends (a killed runner never leaves it held).

use async_trait::async_trait;
use strata_core::driver::RunnerLock;
use strata_core::lock::LockHolder;
use strata_core::Result;

use crate::PostgresDriver;

/// The advisory lock key: "strata" in ASCII. Advisory locks are per database.
pub const KEY: i64 = 0x7374_7261_7461;

#[async_trait]
impl RunnerLock for PostgresDriver {
    async fn try_lock(&self) -> Result<bool> {
        Ok(self
            .session
            .count(&format!("SELECT pg_try_advisory_lock({KEY})::int::bigint"))
            .await?
            == 1)
    }

    async fn unlock(&self) -> Result<()> {
        self.session
            .execute(&format!("SELECT pg_advisory_unlock({KEY})"))
            .await
            .map(drop)
    }

    fn lock_name(&self) -> String {
        format!(
            "pg_advisory_lock({KEY}) on database \"{}\"",
            self.session.database
        )
    }

    /// The session holding the lock, from `pg_locks` and `pg_stat_activity`. A `bigint` advisory
    /// key shows as `classid` (its high 32 bits), `objid` (its low 32 bits) and `objsubid = 1`.
    async fn lock_holder(&self) -> Result<Option<LockHolder>> {
        let session = &self.session;
        let rows = session
            .rows(&format!(
                "SELECT a.pid::text, a.application_name, \
                        host(a.client_addr) || coalesce(':' || a.client_port, ''), \
                        a.backend_start::text, a.state, a.query_start::text, a.query \
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                   AND l.classid = {} AND l.objid = {} \
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                   AND l.pid <> pg_backend_pid()",
                KEY >> 32,
                KEY & 0xffff_ffff
            ))
            .await?;
        Ok(rows.into_iter().next().map(|r| {
            let field = |i: usize| r.get(i).cloned().flatten().filter(|v| !v.is_empty());
            let state = field(4);
            LockHolder {
                connection: format!("backend pid {}", field(0).unwrap_or_default()),
                application: field(1),
                client: field(2).or_else(|| Some("local socket".into())),
                since: field(3).map(|s| format!("session start {s}")),
                statement: (state.as_deref() == Some("active"))
                    .then(|| field(6))
                    .flatten()
                    .map(|q| strata_core::lock::statement_text(crate::lock_wait::unwrapped(&q))),
                detail: state.map(|s| match field(5) {
                    Some(q) if s == "active" => format!("statement running since {q}"),
                    _ => format!("session {s}"),
                }),
            }
        }))
    }
}
