//! `strata verify` after the acceptance migration: every check passes, then each kind of
//! damage — a backup losing rows, an index created by a migration dropped, a NULL in a column
//! a migration made NOT NULL (written past MongoDB's validator) — fails the check that names it.

mod common;

use anyhow::ensure;
use common::{code, text, Engine, Project};
use strata_core::Statement;

fn sql(s: &str) -> Statement {
    Statement::Sql(s.to_owned())
}

async fn verified(p: &Project) -> anyhow::Result<String> {
    let out = p.run(&["verify"]);
    ensure!(code(&out) == 0, "{}", text(&out));
    Ok(text(&out))
}

async fn fails(p: &Project, check: &str, detail: &str) -> anyhow::Result<()> {
    let out = p.run(&["--json", "verify"]);
    ensure!(code(&out) == 1, "{}", text(&out));
    let checks: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let failed = checks
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == check))
        .ok_or_else(|| anyhow::anyhow!("no check {check:?}: {checks:#}"))?;
    ensure!(
        failed["ok"] == false
            && failed["detail"]
                .as_str()
                .is_some_and(|d| d.contains(detail)),
        "{failed:#}"
    );
    Ok(())
}

#[tokio::test]
async fn verify_finds_damaged_backups_missing_indexes_and_nulls() -> anyhow::Result<()> {
    let p = Project::acceptance_on(Engine::Sqlite).await?;
    ensure!(code(&p.run(&["apply", "--yes"])) == 0);
    let ok = verified(&p).await?;
    // Four: SQLite keeps the dropped and the converted column of users in one copy.
    for needle in [
        "4 backups counted, each as recorded when its migration finished",
        "columns made NOT NULL by migrations checked",
        "1 indexes present",
    ] {
        ensure!(ok.contains(needle), "{needle:?}: {ok}");
    }
    p.ctx
        .driver
        .execute(&sql(
            "DELETE FROM strata_bak_2_sessions_legacy WHERE id = (SELECT min(id) FROM strata_bak_2_sessions_legacy)",
        ))
        .await?;
    fails(
        &p,
        "backups hold the rows they held",
        "strata_bak_2_sessions_legacy: 2 rows, 3 when migration 2 finished",
    )
    .await?;
    p.ctx
        .driver
        .execute(&sql("DROP INDEX users_email_idx"))
        .await?;
    fails(
        &p,
        "indexes created by migrations present",
        "missing: users_email_idx",
    )
    .await?;
    p.finish().await
}

#[tokio::test]
async fn verify_finds_nulls_written_past_the_validator_on_mongodb() -> anyhow::Result<()> {
    let p = Project::acceptance_on(Engine::Mongodb).await?;
    ensure!(code(&p.run(&["apply", "--yes"])) == 0);
    let ok = verified(&p).await?;
    ensure!(ok.contains("collections validated"), "{ok}");
    p.ctx
        .driver
        .execute(&Statement::Command(serde_json::json!({
            "insert": "users",
            "documents": [{ "id": 99, "email": null, "name": "x" }],
            "bypassDocumentValidation": true,
        })))
        .await?;
    fails(
        &p,
        "NOT NULL columns free of NULLs",
        "users.email (1 NULLs)",
    )
    .await?;
    p.ctx
        .driver
        .execute(&Statement::Command(
            serde_json::json!({ "collMod": "users", "validator": {} }),
        ))
        .await?;
    fails(&p, "validators present", "users (no validator)").await?;
    p.finish().await
}
