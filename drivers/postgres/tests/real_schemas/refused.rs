//! What cannot be carried through a change is refused by the plan, naming each object, before
//! anything runs.

use anyhow::ensure;
use strata_conformance::scenarios::expect_refusal_mentioning;
use strata_conformance::TestContext;

use super::support::plan;

/// A view under SQL-standard function bodies (`BEGIN ATOMIC`, which the server stores parsed
/// and ties to the columns they read), a view that belongs to an extension, and a generated
/// column.
const ITEMS: &[&str] = &[
    "CREATE TABLE items (id integer PRIMARY KEY, qty integer, label text)",
    "INSERT INTO items VALUES (1, 3, 'a'), (2, 0, 'b')",
    "CREATE VIEW stocked AS SELECT id, qty FROM items WHERE qty > 0",
    "CREATE FUNCTION total_qty() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT sum(qty) FROM items; END",
    "CREATE FUNCTION stocked_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM stocked; END",
    "ALTER TABLE items ADD COLUMN double_qty integer GENERATED ALWAYS AS (qty * 2) STORED",
    "CREATE VIEW labelled AS SELECT id, label, qty FROM items",
    "ALTER EXTENSION plpgsql ADD VIEW labelled",
];

pub async fn function_bodies_and_generated_columns(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(ITEMS).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "widen",
        "[[step]]\nop = \"change_type\"\ntable = \"items\"\ncolumn = \"qty\"\nto = \"int64\"\n",
    )?;
    let plans = plan(ctx).await?;
    let reasons = &plans[0].steps[0].analysis.refusals;
    anyhow::ensure!(
        reasons
            .iter()
            .all(|r| r.kind == strata_core::RefusalKind::Dependents),
        "{reasons:?}"
    );
    let refusals = reasons
        .iter()
        .map(|r| r.detail.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for name in [
        "function public.total_qty()",
        "function public.stocked_count()",
        "column double_qty of table public.items (a generated column",
        "view public.labelled (belongs to extension plpgsql",
    ] {
        ensure!(
            refusals.contains(name),
            "the refusal does not name {name}: {refusals:?}"
        );
    }
    ensure!(
        plans[0].steps[0].actions.is_empty(),
        "a refused step has actions"
    );
    expect_refusal_mentioning(ctx.apply().await, "function public.total_qty()")?;
    ctx.assert_restored(&before).await
}

/// `adult_names` reads `adults`, which reads `people.age`.
pub const PEOPLE: &[&str] = &[
    "CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL, nickname text, age integer)",
    "INSERT INTO people VALUES (1, 'Ada', 'ada', 36), (2, 'Bo', NULL, 12), (3, 'Cy', 'c', 18)",
    "CREATE VIEW adults AS SELECT id, name, age FROM people WHERE age >= 18",
    "CREATE VIEW adult_names AS SELECT id, name FROM adults",
    "CREATE MATERIALIZED VIEW name_lengths AS SELECT id, length(name) AS len FROM people",
    "CREATE INDEX name_lengths_len ON name_lengths (len)",
    "ALTER TABLE people ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY people_named ON people USING (name <> '')",
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "CREATE TRIGGER people_renamed BEFORE UPDATE OF name ON people FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION touch()",
];

pub async fn drop_column_under_a_view_on_a_view(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(PEOPLE).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "drop",
        "[[step]]\nop = \"drop_column\"\ntable = \"people\"\ncolumn = \"age\"\n",
    )?;
    let plans = plan(ctx).await?;
    let reasons = &plans[0].steps[0].analysis.refusals;
    anyhow::ensure!(
        reasons
            .iter()
            .all(|r| r.kind == strata_core::RefusalKind::Dependents),
        "{reasons:?}"
    );
    let refusals = reasons
        .iter()
        .map(|r| r.detail.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for name in [
        "view public.adults",
        "view public.adult_names (through view public.adults)",
    ] {
        ensure!(
            refusals.contains(name),
            "the refusal does not name {name}: {refusals:?}"
        );
    }
    ensure!(
        !refusals.contains("name_lengths") && !refusals.contains("people_named"),
        "the refusal names objects that do not use the column: {refusals:?}"
    );
    expect_refusal_mentioning(
        ctx.apply().await,
        "view public.adult_names (through view public.adults)",
    )?;
    ctx.assert_restored(&before).await
}

/// Definitions read before the migration would undo what an earlier step changes in them.
pub async fn after_a_rename_in_the_same_migration(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(PEOPLE).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "rename_then_widen",
        r#"
[[step]]
op = "rename_column"
table = "people"
column = "name"
to = "full_name"

[[step]]
op = "change_type"
table = "people"
column = "age"
to = "int64"
"#,
    )?;
    expect_refusal_mentioning(
        ctx.apply().await,
        "re-created from their definitions as read before the migration, which step 1 (rename_column) may change",
    )?;
    ctx.assert_restored(&before).await
}
