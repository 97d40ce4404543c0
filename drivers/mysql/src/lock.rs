//! The runner lock: `GET_LOCK`, a named lock held by the session, released on unlock or when
//! the session ends (a killed runner never leaves it held).

use strata_core::Result;

use crate::connection::Session;
use crate::sql::string;

/// `strata:<database>`, hashed when longer than the 64 characters lock names may have.
pub fn lock_key(session: &Session) -> String {
    strata_core::steps::fit_identifier(&format!("strata:{}", session.database))
}

pub async fn try_lock(session: &Session) -> Result<bool> {
    Ok(session
        .count(&format!(
            "SELECT COALESCE(GET_LOCK({}, 0), 0)",
            string(&lock_key(session))
        ))
        .await?
        == 1)
}

pub async fn unlock(session: &Session) -> Result<()> {
    session
        .execute(&format!("DO RELEASE_LOCK({})", string(&lock_key(session))))
        .await
        .map(drop)
}

pub fn name(session: &Session) -> String {
    format!(
        "GET_LOCK('{}') on database `{}`",
        lock_key(session),
        session.database
    )
}
