//! What the generative round trip found on PostgreSQL, each as a fixed case on a schema built
//! with PostgreSQL's own DDL.

use anyhow::ensure;
use strata_conformance::scenarios::expect_refusal_mentioning;
use strata_conformance::TestContext;

use super::support::{texts, with_role};

/// `drop_table` sets the table aside whole: comment, grant, policy, trigger and the owned
/// sequence's value come back with it, exactly.
pub async fn drop_table_keeps_everything_it_had(ctx: &TestContext) -> anyhow::Result<()> {
    with_role(ctx, |role| async move {
        ctx.run_sql(&[
            "CREATE TABLE archive (id serial PRIMARY KEY, note text CHECK (note <> ''), owner_id integer)",
            "CREATE TABLE owners (id integer PRIMARY KEY)",
            "ALTER TABLE archive ADD CONSTRAINT archive_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id)",
            "COMMENT ON TABLE archive IS 'old rows'",
            "COMMENT ON COLUMN archive.note IS 'free text'",
            &format!("GRANT SELECT, UPDATE (note) ON archive TO {role}"),
            "ALTER TABLE archive ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY archive_mine ON archive USING (owner_id IS NOT NULL)",
            "CREATE FUNCTION archive_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER archive_touch BEFORE UPDATE ON archive FOR EACH ROW EXECUTE FUNCTION archive_touch()",
            "INSERT INTO owners VALUES (1)",
            "INSERT INTO archive (note, owner_id) VALUES ('a', 1), ('b', NULL), ('c', 1)",
            "DELETE FROM archive WHERE note = 'c'",
        ])
        .await?;
        let before = ctx.capture().await?;
        ctx.write(1, "drop", "[[step]]\nop = \"drop_table\"\ntable = \"archive\"\n")?;
        ctx.apply().await?;
        ensure!(
            texts(ctx, "SELECT to_regclass('archive')::text").await? == [""],
            "the table is still there"
        );
        // Its parent is free again: the backup holds no key to it.
        ctx.run_sql(&["DELETE FROM owners"]).await?;
        ctx.run_sql(&["INSERT INTO owners VALUES (1)"]).await?;
        ctx.rollback(1).await?;
        ctx.assert_restored(&before).await
    })
    .await
}

/// A column its own CHECK names, and one a two-column CHECK names (added by `ALTER TABLE`):
/// PostgreSQL drops those CHECKs with the column, so nothing outside the table stops the
/// drop; rollback puts column, values and both CHECKs back exactly.
pub async fn drop_column_with_checks_round_trips(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE prices (id integer PRIMARY KEY, price numeric CHECK (price > 0), low numeric, high numeric)",
        "ALTER TABLE prices ADD CONSTRAINT prices_range_ck CHECK (low <= high)",
        "INSERT INTO prices VALUES (1, 9.5, 1, 2), (2, NULL, NULL, 3)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "drops",
        "[[step]]\nop = \"drop_column\"\ntable = \"prices\"\ncolumn = \"price\"\n\n[[step]]\nop = \"drop_column\"\ntable = \"prices\"\ncolumn = \"low\"\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A foreign key on a parent's UNIQUE column, not its primary key (added by `ALTER TABLE`):
/// a backfill writing an existing code applies, one writing a code no parent has is refused
/// in the plan. The check used to compare the written codes with the parent's ids.
pub async fn writes_into_a_key_on_a_unique_column(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE parents (id integer PRIMARY KEY, code text NOT NULL UNIQUE)",
        "CREATE TABLE children (id integer PRIMARY KEY, parent_code text)",
        "ALTER TABLE children ADD CONSTRAINT children_parent_fk FOREIGN KEY (parent_code) REFERENCES parents (code)",
        "INSERT INTO parents VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO children VALUES (10, 'a'), (11, NULL)",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "nowhere",
        "[[step]]\nop = \"backfill\"\ntable = \"children\"\nset = { parent_code = \"zz\" }\n",
    )?;
    expect_refusal_mentioning(ctx.apply().await, "references no row of \"parents\"")?;
    ensure!(
        ctx.capture().await? == before,
        "a refused plan changed the database"
    );
    ctx.write(
        1,
        "nowhere",
        "[[step]]\nop = \"backfill\"\ntable = \"children\"\nset = { parent_code = \"b\" }\n",
    )?;
    ctx.apply().await?;
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A text column with a default becomes a date: the default is converted with it (PostgreSQL
/// converts a default only by an implicit cast), and back on rollback.
pub async fn change_type_converts_the_default(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE events (id integer PRIMARY KEY, due text DEFAULT '2024-02-29', note text DEFAULT 'x')",
        "INSERT INTO events VALUES (1, '2024-01-01', 'a'), (2, DEFAULT, DEFAULT)",
    ])
    .await?;
    let before = ctx.capture().await?;
    let dates = ctx.write(
        1,
        "dates",
        "[[step]]\nop = \"change_type\"\ntable = \"events\"\ncolumn = \"due\"\nto = \"date\"\n",
    )?;
    ctx.apply().await?;
    ensure!(
        ctx.catalog().await?["column public.events.due"].contains("default='2024-02-29'::date"),
        "the default was not converted: {}",
        ctx.catalog().await?["column public.events.due"]
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await?;
    std::fs::remove_file(dates)?;
    // A default that does not convert is refused before anything runs.
    ctx.write(
        2,
        "notes",
        "[[step]]\nop = \"change_type\"\ntable = \"events\"\ncolumn = \"note\"\nto = \"date\"\non_incompatible = \"set_null\"\n",
    )?;
    expect_refusal_mentioning(ctx.apply().await, "does not convert to date")?;
    ctx.assert_restored(&before).await
}

/// A value written into many rows is refused where it would repeat a unique key, reference no
/// parent or break a CHECK — before anything runs, not half way.
pub async fn writes_that_break_constraints_are_refused(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE owners (id integer PRIMARY KEY)",
        "CREATE TABLE items (id integer PRIMARY KEY, code text UNIQUE, owner_id integer REFERENCES owners, qty integer CONSTRAINT qty_positive CHECK (qty > 0))",
        "INSERT INTO owners VALUES (1)",
        "INSERT INTO items VALUES (1, NULL, NULL, NULL), (2, NULL, 1, 3)",
    ])
    .await?;
    let before = ctx.capture().await?;
    let cases = [
        (
            "[[step]]\nop = \"backfill\"\ntable = \"items\"\nset = { code = \"same\" }\n",
            "would repeat a key",
        ),
        (
            "[[step]]\nop = \"set_not_null\"\ntable = \"items\"\ncolumn = \"owner_id\"\nfill = 7\n",
            "references no row of \"owners\"",
        ),
        (
            "[[step]]\nop = \"set_not_null\"\ntable = \"items\"\ncolumn = \"qty\"\nfill = 0\n",
            "breaks CHECK constraint qty_positive",
        ),
        (
            "[[step]]\nop = \"change_type\"\ntable = \"items\"\ncolumn = \"qty\"\nto = \"text\"\n",
            "CHECK constraint qty_positive",
        ),
    ];
    ctx.expect_refusals(&cases).await?;
    ctx.assert_restored(&before).await
}
