//! The aggregate-hash verifications catch what they are there to catch: a backup missing a
//! row, holding a changed value or one row twice in place of another, and a converted column
//! with one value off, a NULL become a number, two values swapped between rows and a value
//! negated (the weighted sum an integer target is verified by), all on a table built by hand.

use strata_conformance::spoil::{action, caught};
use strata_conformance::TestContext;
use strata_core::{ActionKind, Driver, Statement};
use strata_postgres::testing;

const MIGRATION: &str = r#"
[[step]]
op = "change_type"
table = "people"
column = "age"
to = "int32"
on_incompatible = "set_null"
"#;

#[tokio::test]
async fn hash_verifications_catch_a_lost_a_changed_and_a_doubled_row() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let ctx = TestContext::new("postgres", &url).await?;
    let d: &dyn Driver = ctx.driver.as_ref();
    let sql = |s: &str| Statement::Sql(s.to_owned());
    d.execute(&sql(
        "CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY, age text, note text); \
         ALTER TABLE people ADD CONSTRAINT people_pk PRIMARY KEY (id); \
         INSERT INTO people (age, note) SELECT CASE WHEN n % 10 = 0 THEN 'n/a' ELSE (n % 90)::text END, 'row ' || n FROM generate_series(1, 1000) n",
    ))
    .await?;
    ctx.write(1, "age_number", MIGRATION)?;
    let plans = strata_core::runner::plan(d, &ctx.migrations()?, None).await?;
    let actions = plans[0].actions();
    let backup = action(&actions, ActionKind::Backup, "back up");
    let backup_check = action(&actions, ActionKind::Verify, "verify backup");
    let converted_check = action(&actions, ActionKind::Verify, "against its original");
    let bak = "strata_bak_1_people_age";

    // The backup's verification, on a copy as made and then spoiled three ways.
    d.execute(&backup.forward).await?;
    caught(
        d,
        backup_check,
        &[
            (
                format!("UPDATE {bak} SET age = age || ' ' WHERE id = 7"),
                format!("UPDATE {bak} SET age = rtrim(age) WHERE id = 7"),
            ),
            (
                format!("DELETE FROM {bak} WHERE id = 8"),
                format!("INSERT INTO {bak} SELECT id, age FROM people WHERE id = 8"),
            ),
            (
                format!("UPDATE {bak} SET id = 9, age = (SELECT age FROM people WHERE id = 9) WHERE id = 11"),
                format!("UPDATE {bak} SET id = 11, age = (SELECT age FROM people WHERE id = 11) WHERE ctid = (SELECT max(ctid) FROM {bak} WHERE id = 9)"),
            ),
        ],
    )
    .await?;
    d.execute(&sql(&format!("DROP TABLE {bak}"))).await?;

    // The conversion's verification, after the migration and after one value is changed.
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
                "UPDATE people SET age = 0 WHERE id = 20".into(),
                "UPDATE people SET age = NULL WHERE id = 20".into(),
            ),
            (
                "UPDATE people SET age = CASE id WHEN 2 THEN 3 ELSE 2 END WHERE id IN (2, 3)"
                    .into(),
                "UPDATE people SET age = CASE id WHEN 2 THEN 2 ELSE 3 END WHERE id IN (2, 3)"
                    .into(),
            ),
            (
                "UPDATE people SET age = -age WHERE id = 7".into(),
                "UPDATE people SET age = -age WHERE id = 7".into(),
            ),
        ],
    )
    .await?;
    ctx.rollback(1).await?;
    assert_eq!(
        d.query_count(&sql("SELECT count(*) FROM people WHERE age = 'n/a'"))
            .await?,
        100
    );
    drop(ctx);
    testing::drop_database(&admin, &url).await?;
    Ok(())
}
