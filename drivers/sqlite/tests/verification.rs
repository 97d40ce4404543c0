//! The keyed backup verification catches what it is there to catch: a backup missing a row,
//! holding a changed value (NULL for a value included), or one row twice in place of another,
//! on a table built by hand.

use strata_conformance::spoil::{action, caught};
use strata_conformance::TestContext;
use strata_core::{ActionKind, Driver, Statement};
use strata_sqlite::testing;

const MIGRATION: &str = r#"
[[step]]
op = "drop_column"
table = "people"
column = "note"
"#;

#[tokio::test]
async fn keyed_verification_catches_a_lost_a_changed_and_a_doubled_row() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let ctx = TestContext::new("sqlite", &url).await?;
    let d: &dyn Driver = ctx.driver.as_ref();
    let sql = |s: &str| Statement::Sql(s.to_owned());
    d.execute(&sql(
        "CREATE TABLE people (id INTEGER NOT NULL, note TEXT, CONSTRAINT people_pk PRIMARY KEY (id)); \
         WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 500) \
         INSERT INTO people SELECT n, CASE WHEN n % 7 = 0 THEN NULL ELSE 'row ' || n END FROM s",
    ))
    .await?;
    ctx.write(1, "drop_note", MIGRATION)?;
    let plans = strata_core::runner::plan(d, &ctx.migrations()?, None).await?;
    let actions = plans[0].actions();
    let backup = action(&actions, ActionKind::Backup, "back up");
    let check = action(&actions, ActionKind::Verify, "verify backup");
    let bak = "strata_bak_1_people_note";
    d.execute(&backup.forward).await?;
    caught(
        d,
        check,
        &[
            (
                format!("UPDATE {bak} SET note = note || ' ' WHERE id = 3"),
                format!("UPDATE {bak} SET note = rtrim(note) WHERE id = 3"),
            ),
            (
                format!("UPDATE {bak} SET note = NULL WHERE id = 4"),
                format!("UPDATE {bak} SET note = 'row 4' WHERE id = 4"),
            ),
            (
                format!("UPDATE {bak} SET note = 'x' WHERE id = 7"),
                format!("UPDATE {bak} SET note = NULL WHERE id = 7"),
            ),
            (
                format!("DELETE FROM {bak} WHERE id = 8"),
                format!("INSERT INTO {bak} SELECT id, note FROM people WHERE id = 8"),
            ),
            (
                format!("UPDATE {bak} SET id = 9, note = 'row 9' WHERE id = 10"),
                format!("UPDATE {bak} SET id = 10, note = 'row 10' WHERE rowid = (SELECT max(rowid) FROM {bak} WHERE id = 9)"),
            ),
        ],
    )
    .await?;
    drop(ctx);
    testing::drop_database(&admin, &url).await?;
    Ok(())
}
