//! An ALTER the server cannot run online (`ALGORITHM=INPLACE, LOCK=NONE`) is run with the
//! default algorithm instead, as the plan announces; one it can run online stays online.

use strata_core::{Engine, Statement};
use strata_mysql::{compile::ONLINE, testing, MySqlDriver};

#[tokio::test]
async fn refused_online_alter_falls_back_to_a_locking_one() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let driver = MySqlDriver::connect(&url).await?;
    let sql = |s: &str| Statement::Sql(s.to_owned());
    driver
        .execute(&sql("CREATE TABLE t (id int PRIMARY KEY, v varchar(10))"))
        .await?;
    driver
        .execute(&sql("INSERT INTO t VALUES (1, '42')"))
        .await?;

    // Changing a column's type needs a table copy: the server refuses INPLACE (error 1846).
    let converted = driver
        .execute(&sql(&format!(
            "ALTER TABLE t MODIFY COLUMN v bigint{ONLINE}"
        )))
        .await;
    anyhow::ensure!(
        converted.is_ok(),
        "the driver must fall back: {converted:?}"
    );
    let ty = driver
        .query_count(&sql("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'v' AND DATA_TYPE = 'bigint'"))
        .await?;
    anyhow::ensure!(ty == 1, "the column was not converted");

    // An index can be built online: the clause is accepted as is.
    driver
        .execute(&sql(&format!("ALTER TABLE t ADD INDEX t_v (v){ONLINE}")))
        .await?;
    drop(driver);
    testing::drop_database(&admin, &url).await?;
    Ok(())
}
