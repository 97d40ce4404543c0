//! The runner lock: a session-level advisory lock, released on unlock or when the session
//! ends (a killed runner never leaves it held).

use strata_core::Result;

use crate::connection::Session;

/// The advisory lock key: "strata" in ASCII. Advisory locks are per database.
pub const KEY: i64 = 0x7374_7261_7461;

pub async fn try_lock(session: &Session) -> Result<bool> {
    Ok(session
        .count(&format!("SELECT pg_try_advisory_lock({KEY})::int::bigint"))
        .await?
        == 1)
}

pub async fn unlock(session: &Session) -> Result<()> {
    session
        .execute(&format!("SELECT pg_advisory_unlock({KEY})"))
        .await
        .map(drop)
}

pub fn name(session: &Session) -> String {
    format!(
        "pg_advisory_lock({KEY}) on database \"{}\"",
        session.database
    )
}
