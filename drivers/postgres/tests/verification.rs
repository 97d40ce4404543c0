//! The aggregate-hash verifications catch what they are there to catch: a backup missing a
//! row, holding a changed value or one row twice in place of another, and a converted column
//! with one value off, all on a table built by hand.

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
    let backup = actions
        .iter()
        .find(|a| a.kind == ActionKind::Backup)
        .expect("a backup");
    let backup_check = actions
        .iter()
        .find(|a| a.kind == ActionKind::Verify && a.description.starts_with("verify backup"))
        .expect("the backup's verification");
    let converted_check = actions
        .iter()
        .find(|a| a.kind == ActionKind::Verify && a.description.contains("against its original"))
        .expect("the conversion's verification");
    let bak = "strata_bak_1_people_age";

    // The backup's verification, on a copy as made and then spoiled three ways.
    d.execute(&backup.forward).await?;
    assert_eq!(d.query_count(&backup_check.forward).await?, 0, "as made");
    for (spoil, undo) in [
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
    ] {
        d.execute(&sql(&spoil)).await?;
        assert_eq!(d.query_count(&backup_check.forward).await?, 1, "{spoil}");
        d.execute(&sql(&undo)).await?;
        assert_eq!(d.query_count(&backup_check.forward).await?, 0, "{undo}");
    }
    d.execute(&sql(&format!("DROP TABLE {bak}"))).await?;

    // The conversion's verification, after the migration and after one value is changed.
    ctx.apply().await?;
    assert_eq!(
        d.query_count(&converted_check.forward).await?,
        0,
        "as converted"
    );
    d.execute(&sql("UPDATE people SET age = age + 1 WHERE id = 3"))
        .await?;
    assert_eq!(
        d.query_count(&converted_check.forward).await?,
        1,
        "one value off"
    );
    d.execute(&sql("UPDATE people SET age = age - 1 WHERE id = 3"))
        .await?;
    d.execute(&sql("UPDATE people SET age = 5 WHERE id = 10"))
        .await?;
    assert_eq!(
        d.query_count(&converted_check.forward).await?,
        1,
        "a NULL filled"
    );
    d.execute(&sql("UPDATE people SET age = NULL WHERE id = 10"))
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
