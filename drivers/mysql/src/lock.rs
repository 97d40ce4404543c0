//! The runner lock: `GET_LOCK`, a named lock held by the session, released on unlock or when
//! the session ends (a killed runner never leaves it held).

use async_trait::async_trait;
use strata_core::driver::RunnerLock;
use strata_core::lock::LockHolder;
use strata_core::Result;

use crate::connection::Session;
use crate::sql::string;
use crate::MySqlDriver;

/// `strata:<database>`, hashed when longer than the 64 characters lock names may have.
pub fn lock_key(session: &Session) -> String {
    strata_core::steps::fit_identifier(&format!("strata:{}", session.database))
}

#[async_trait]
impl RunnerLock for MySqlDriver {
    async fn try_lock(&self) -> Result<bool> {
        let session = &self.session;
        Ok(session
            .count(&format!(
                "SELECT COALESCE(GET_LOCK({}, 0), 0)",
                string(&lock_key(session))
            ))
            .await?
            == 1)
    }

    async fn unlock(&self) -> Result<()> {
        let session = &self.session;
        session
            .execute(&format!("DO RELEASE_LOCK({})", string(&lock_key(session))))
            .await
            .map(drop)
    }

    fn lock_name(&self) -> String {
        let session = &self.session;
        format!(
            "GET_LOCK('{}') on database `{}`",
            lock_key(session),
            session.database
        )
    }

    /// The connection holding the lock (`IS_USED_LOCK`), described from the process list. The
    /// server keeps no application name nor the time a named lock was taken: `since` is how long
    /// the connection has been in its current state.
    async fn lock_holder(&self) -> Result<Option<LockHolder>> {
        let session = &self.session;
        let rows = session
            .rows(&format!(
                "SELECT CAST(p.ID AS CHAR), p.USER, p.HOST, CAST(p.TIME AS CHAR), p.COMMAND, p.STATE, p.INFO \
                 FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK({}) AND p.ID <> CONNECTION_ID()",
                string(&lock_key(session))
            ))
            .await?;
        Ok(rows.into_iter().next().map(|r| {
            let field = |i: usize| r.get(i).cloned().flatten().filter(|v| !v.is_empty());
            let command = field(4).unwrap_or_default();
            LockHolder {
                connection: format!("connection {}", field(0).unwrap_or_default()),
                application: None,
                client: field(2).map(|h| format!("{}@{h}", field(1).unwrap_or_default())),
                since: field(3).map(|t| format!("{t} s in its current state")),
                statement: field(6).map(|q| strata_core::lock::statement_text(&q)),
                detail: Some(match field(5) {
                    Some(state) => format!("{command}: {state}"),
                    None => command,
                }),
            }
        }))
    }
}
