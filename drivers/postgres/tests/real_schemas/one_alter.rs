//! Consecutive steps on one table compiled into one `ALTER` with one backup copy
//! (`compile/one_alter.rs`), on a schema built with the server's own DDL: a named CHECK and an
//! index on the dropped column, a foreign key from another table, a view, a trigger and an
//! index on a column the steps leave alone, comments (on the dropped column too), a grant, a
//! default on the converted column.

use anyhow::{ensure, Context as _};
use strata_conformance::scenarios::{ONE_TABLE_RUN as CLEANUP, ONE_TABLE_RUN_ROWS};
use strata_conformance::TestContext;

use super::support::{plan, texts};

const ACCOUNTS: &[&str] = &[
    "CREATE TABLE accounts (id serial PRIMARY KEY, email varchar(120), age text DEFAULT '18', legacy integer NOT NULL DEFAULT 3, plan text)",
    "COMMENT ON TABLE accounts IS 'people'",
    "COMMENT ON COLUMN accounts.email IS 'login'",
    "COMMENT ON COLUMN accounts.legacy IS 'old flags'",
    "ALTER TABLE accounts ADD CONSTRAINT accounts_legacy_positive CHECK (legacy > 0)",
    "CREATE INDEX accounts_legacy_idx ON accounts (legacy)",
    "CREATE INDEX accounts_plan_idx ON accounts (plan)",
    "CREATE TABLE invoices (id int PRIMARY KEY, account_id int)",
    "ALTER TABLE invoices ADD CONSTRAINT invoices_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)",
    "CREATE VIEW paying AS SELECT id, plan FROM accounts WHERE plan <> 'free'",
    "CREATE FUNCTION accounts_plan_default() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.plan := coalesce(NEW.plan, 'free'); RETURN NEW; END $$",
    "CREATE TRIGGER accounts_plan_default BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION accounts_plan_default()",
    "GRANT SELECT ON accounts TO PUBLIC",
];

/// Three steps, one `ALTER` (one rewrite) and one backup copy; the values come out as each
/// step alone would leave them, and rollback gives back the whole catalog.
pub async fn steps_on_one_table_share_one_alter(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(ACCOUNTS).await?;
    ctx.run_sql(ONE_TABLE_RUN_ROWS).await?;
    let before = ctx.capture().await?;
    ctx.write(1, "cleanup", CLEANUP)?;
    let plans = plan(ctx).await?;
    let plan = plans.first().context("one plan")?;
    strata_conformance::scenarios::ensure_one_table_run(
        plan,
        &[
            "DROP COLUMN \"legacy\"",
            "ALTER COLUMN \"age\" TYPE integer USING",
            "ALTER COLUMN \"age\" SET DEFAULT '18'::integer",
            "ALTER COLUMN \"email\" SET NOT NULL",
        ],
    )?;

    ctx.apply().await?;
    let ages = texts(
        ctx,
        "SELECT coalesce(age::text, 'NULL') FROM accounts ORDER BY id",
    )
    .await?;
    ensure!(
        ages == ["42", "7", "NULL", "NULL", "NULL"],
        "ages converted as {ages:?}"
    );
    let filled = ctx
        .count("SELECT count(*) FROM accounts WHERE email = 'nobody@x.io' AND id IN (2, 4)")
        .await?;
    ensure!(filled == 2, "{filled} of 2 NULL emails filled");
    let kept = texts(
        ctx,
        "SELECT concat_ws(' ', obj_description('accounts'::regclass, 'pg_class'), col_description('accounts'::regclass, 2), \
           (SELECT count(*) FROM pg_views WHERE viewname = 'paying'), (SELECT count(*) FROM pg_trigger WHERE tgname = 'accounts_plan_default'))",
    )
    .await?;
    ensure!(
        kept == ["people login 1 1"],
        "the table lost what it had: {kept:?}"
    );
    ctx.rollback(1).await?;
    let back = texts(ctx, "SELECT col_description('accounts'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'legacy'))").await?;
    ensure!(
        back == ["old flags"],
        "the dropped column's comment came back as {back:?}"
    );
    ctx.assert_restored(&before).await
}

/// A step the one `ALTER` cannot take (a conversion of a column an index covers) ends the
/// run: the steps before it go together, it and the rest alone, and the round trip is exact.
pub async fn a_step_it_cannot_take_ends_the_run(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(ACCOUNTS).await?;
    ctx.run_sql(ONE_TABLE_RUN_ROWS).await?;
    ctx.run_sql(&[
        "ALTER TABLE accounts ADD COLUMN score text",
        "UPDATE accounts SET score = id * 10",
        "CREATE INDEX accounts_score_idx ON accounts (score)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "cleanup",
        &format!(
            "{CLEANUP}\n[[step]]\nop = \"change_type\"\ntable = \"accounts\"\ncolumn = \"score\"\nto = \"int32\"\n"
        ),
    )?;
    let plans = plan(ctx).await?;
    let combined: Vec<Option<usize>> = plans[0].steps.iter().map(|s| s.combined_into).collect();
    ensure!(
        combined == [None, Some(1), Some(1), None],
        "not steps 1 to 3 together and the rest alone: {combined:?}"
    );
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// An index over two columns of the run (the dropped one and the one filled) ends the run
/// there: alone, the fill meets the table without that index, which the drop took with it.
pub async fn two_columns_one_index_names_are_not_together(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(ACCOUNTS).await?;
    ctx.run_sql(ONE_TABLE_RUN_ROWS).await?;
    ctx.run_sql(&["CREATE UNIQUE INDEX accounts_email_legacy ON accounts (email, legacy)"])
        .await?;
    let before = ctx.capture().await?;
    ctx.write(1, "cleanup", CLEANUP)?;
    let plans = plan(ctx).await?;
    let combined: Vec<Option<usize>> = plans[0].steps.iter().map(|s| s.combined_into).collect();
    ensure!(
        combined == [None, Some(1), None],
        "not steps 1 and 2 together and step 3 alone: {combined:?}"
    );
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
