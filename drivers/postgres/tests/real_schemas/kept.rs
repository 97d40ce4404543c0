//! Changes the server itself keeps dependents valid through go ahead: nothing is refused or
//! re-created, and the rollback gives back the same catalog.

use anyhow::ensure;
use strata_conformance::TestContext;

use super::refused::PEOPLE;
use super::support::{plan, statements, texts};

pub async fn rename_column_under_views(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(PEOPLE).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "rename",
        "[[step]]\nop = \"rename_column\"\ntable = \"people\"\ncolumn = \"name\"\nto = \"full_name\"\n",
    )?;
    let plans = plan(ctx).await?;
    let step = &plans[0].steps[0];
    ensure!(
        step.analysis.refusals.is_empty(),
        "refused: {:?}",
        step.analysis.refusals
    );
    let warned = step.analysis.warnings.join("\n");
    for name in [
        "view public.adults",
        "view public.adult_names (through view public.adults)",
        "materialized view public.name_lengths",
        "policy people_named on table public.people",
        "trigger people_renamed on table public.people",
    ] {
        ensure!(
            warned.contains(name),
            "the plan does not name {name}: {warned}"
        );
    }
    let sql = statements(&plans, 1);
    ensure!(!sql.contains("DROP"), "a rename drops something:\n{sql}");
    ctx.apply().await?;
    let names = texts(ctx, "SELECT name FROM adult_names ORDER BY id").await?;
    ensure!(
        names == ["Ada", "Cy"],
        "adult_names answers {names:?} after the rename"
    );
    let definition = texts(ctx, "SELECT pg_get_viewdef('adults'::regclass)").await?;
    ensure!(
        definition[0].contains("people.full_name AS name"),
        "adults does not read the renamed column: {definition:?}"
    );
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

pub async fn drop_column_no_view_uses(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(PEOPLE).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "drop",
        "[[step]]\nop = \"drop_column\"\ntable = \"people\"\ncolumn = \"nickname\"\n",
    )?;
    let plans = plan(ctx).await?;
    ensure!(
        plans[0].steps[0].analysis.refusals.is_empty(),
        "a column no view uses is refused: {:?}",
        plans[0].steps[0].analysis.refusals
    );
    ctx.apply().await?;
    let columns = texts(
        ctx,
        "SELECT attname::text FROM pg_attribute WHERE attrelid = 'people'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    )
    .await?;
    ensure!(columns == ["id", "name", "age"], "people has {columns:?}");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}
