//! The verifications catch what they are there to catch, on a table built by hand: the
//! backup's (row count and content hash) a backup missing a row or holding a changed value;
//! the in-place conversion's (a fingerprint of key-weighted sums, not a join) a value off by
//! one, a NULL become a number, two values swapped between rows, and a negative value
//! changed, while rows inserted or deleted since the backup are no difference.

use strata_conformance::spoil::{action, caught};
use strata_conformance::TestContext;
use strata_core::{ActionKind, Driver, Statement};
use strata_mysql::testing;

const MIGRATION: &str = r#"
[[step]]
op = "change_type"
table = "people"
column = "age"
to = "int32"
on_incompatible = "set_null"
"#;

#[tokio::test]
async fn verifications_catch_a_lost_a_changed_and_a_swapped_value() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let ctx = TestContext::new("mysql", &url).await?;
    let d: &dyn Driver = ctx.driver.as_ref();
    let sql = |s: &str| Statement::Sql(s.to_owned());
    d.execute(&sql(
        "CREATE TABLE people (id bigint NOT NULL, age varchar(16), note text) ENGINE=InnoDB",
    ))
    .await?;
    d.execute(&sql(
        "ALTER TABLE people ADD CONSTRAINT PRIMARY KEY (id), MODIFY id bigint NOT NULL AUTO_INCREMENT",
    ))
    .await?;
    d.execute(&sql(
        "INSERT INTO people (age, note) SELECT CASE WHEN seq % 10 = 0 THEN 'n/a' WHEN seq % 7 = 0 THEN CONCAT('-', seq) ELSE CONCAT(' ', seq % 90) END, CONCAT('row ', seq) FROM seq_1_to_1000",
    ))
    .await?;
    ctx.write(1, "age_number", MIGRATION)?;
    let plans = strata_core::runner::plan(d, &ctx.migrations()?, None).await?;
    let actions = plans[0].actions();
    let create = action(&actions, ActionKind::Backup, "create the backup");
    let backup = action(&actions, ActionKind::Backup, "back up");
    let backup_check = action(&actions, ActionKind::Verify, "verify backup");
    let converted_check = action(&actions, ActionKind::Verify, "against its original");
    let bak = "strata_bak_1_people_age";

    // The backup's verification, on a copy as made and then spoiled.
    d.execute(&create.forward).await?;
    d.execute(&backup.forward).await?;
    caught(
        d,
        backup_check,
        &[
            (
                format!("UPDATE {bak} SET age = CONCAT(age, 'x') WHERE id = 7"),
                format!("UPDATE {bak} SET age = LEFT(age, CHAR_LENGTH(age) - 1) WHERE id = 7"),
            ),
            (
                format!("DELETE FROM {bak} WHERE id = 8"),
                format!("INSERT INTO {bak} SELECT id, age FROM people WHERE id = 8"),
            ),
        ],
    )
    .await?;
    d.execute(&sql(&format!("DROP TABLE {bak}"))).await?;

    // The conversion's verification, after the migration and after values are changed.
    ctx.apply().await?;
    caught(
        d,
        converted_check,
        &[
            (
                "UPDATE people SET age = age + 1 WHERE id = 3".into(),
                "UPDATE people SET age = age - 1 WHERE id = 3".into(),
            ),
            (
                "UPDATE people SET age = 5 WHERE id = 10".into(),
                "UPDATE people SET age = NULL WHERE id = 10".into(),
            ),
            (
                "UPDATE people SET age = 0 WHERE id = 90".into(),
                "UPDATE people SET age = NULL WHERE id = 90".into(),
            ),
            (
                "UPDATE people SET age = CASE id WHEN 2 THEN 3 ELSE 2 END WHERE id IN (2, 3)"
                    .into(),
                "UPDATE people SET age = CASE id WHEN 2 THEN 2 ELSE 3 END WHERE id IN (2, 3)"
                    .into(),
            ),
            (
                "UPDATE people SET age = -14 WHERE id = 7".into(),
                "UPDATE people SET age = -7 WHERE id = 7".into(),
            ),
        ],
    )
    .await?;
    // A row another session inserts, or deletes, after the backup changes the fingerprint
    // but no converted value: the join through the key then finds nothing wrong.
    d.execute(&sql(
        "INSERT INTO people (age, note) VALUES (5, 'written since')",
    ))
    .await?;
    d.execute(&sql("DELETE FROM people WHERE id = 11")).await?;
    assert_eq!(d.query_count(&converted_check.forward).await?, 0);
    d.execute(&sql("DELETE FROM people WHERE note = 'written since'"))
        .await?;
    d.execute(&sql(
        "INSERT INTO people (id, age, note) VALUES (11, 11, 'row 11')",
    ))
    .await?;
    ctx.rollback(1).await?;
    assert_eq!(
        d.query_count(&sql("SELECT COUNT(*) FROM people WHERE age = 'n/a'"))
            .await?,
        100
    );
    assert_eq!(
        d.query_count(&sql("SELECT COUNT(*) FROM people WHERE age LIKE ' %'"))
            .await?,
        1000 - 100 - (142 - 14)
    );
    drop(ctx);
    testing::drop_database(&admin, &url).await?;
    Ok(())
}
