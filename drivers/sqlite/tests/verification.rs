//! The keyed backup verification catches what it is there to catch: a backup missing a row,
//! holding a changed value (NULL for a value included), or one row twice in place of another,
//! on tables built by hand. A backup of a table keyed by its rowid is a rowid table keyed
//! the same way, which cannot hold a key twice at all; one keyed otherwise is a copy with an
//! index on the key, where the verification catches a doubled row.

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
        ],
    )
    .await?;
    assert!(
        d.execute(&sql(&format!("UPDATE {bak} SET id = 9 WHERE id = 10")))
            .await
            .is_err(),
        "a backup keyed by the rowid took a key twice"
    );

    // A table keyed by text: its backup is a copy indexed on the key.
    d.execute(&sql(
        "CREATE TABLE tags (code TEXT NOT NULL, label TEXT, PRIMARY KEY (code)); \
         WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 300) \
         INSERT INTO tags SELECT 'c' || n, CASE WHEN n % 5 = 0 THEN NULL ELSE 'label ' || n END FROM s",
    ))
    .await?;
    ctx.write(
        2,
        "drop_label",
        "[[step]]\nop = \"drop_column\"\ntable = \"tags\"\ncolumn = \"label\"\n",
    )?;
    let plans = strata_core::runner::plan(d, &ctx.migrations()?, None).await?;
    let actions = plans[1].actions();
    let backup = action(&actions, ActionKind::Backup, "back up");
    let check = action(&actions, ActionKind::Verify, "verify backup");
    let bak = "strata_bak_2_tags_label";
    d.execute(&backup.forward).await?;
    caught(
        d,
        check,
        &[
            (
                format!("UPDATE {bak} SET label = 'x' WHERE code = 'c5'"),
                format!("UPDATE {bak} SET label = NULL WHERE code = 'c5'"),
            ),
            (
                format!("UPDATE {bak} SET code = 'c9', label = 'label 9' WHERE code = 'c11'"),
                format!("UPDATE {bak} SET code = 'c11', label = 'label 11' WHERE rowid = (SELECT max(rowid) FROM {bak} WHERE code = 'c9')"),
            ),
        ],
    )
    .await?;
    drop(ctx);
    testing::drop_database(&admin, &url).await?;
    Ok(())
}
