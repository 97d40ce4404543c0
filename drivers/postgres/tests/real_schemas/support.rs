//! What the PostgreSQL scenarios share: reading query results over a connection of their own,
//! a role of their own, and the plan of the pending migrations.

use anyhow::Context as _;
use sqlx::Connection;
use strata_conformance::TestContext;
use strata_core::plan::MigrationPlan;

/// The first column of every row of `sql`, as text, over a fresh connection.
pub async fn texts(ctx: &TestContext, sql: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = sqlx::PgConnection::connect(&ctx.url).await?;
    let rows: Vec<Option<String>> = sqlx::query_scalar(sql)
        .fetch_all(&mut conn)
        .await
        .with_context(|| format!("running {sql}"))?;
    conn.close().await?;
    Ok(rows.into_iter().map(Option::unwrap_or_default).collect())
}

/// The plans of the pending migrations.
pub async fn plan(ctx: &TestContext) -> anyhow::Result<Vec<MigrationPlan>> {
    Ok(strata_core::runner::plan(ctx.driver.as_ref(), &ctx.migrations()?, None).await?)
}

/// Runs `body` with a role made for it (roles are cluster-wide: the name is unique, and the
/// role is dropped afterwards, whatever `body` returned).
pub async fn with_role<'a, F, Fut>(ctx: &'a TestContext, body: F) -> anyhow::Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + 'a,
{
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let role = format!("strata_reader_{}_{nanos}", std::process::id());
    ctx.run_sql(&[&format!("CREATE ROLE {role}")]).await?;
    let result = body(role.clone()).await;
    let dropped = ctx
        .run_sql(&[
            "RESET ROLE",
            &format!("DROP OWNED BY {role}"),
            &format!("DROP ROLE {role}"),
        ])
        .await;
    result.and(dropped)
}

/// Every statement of the plan's step `index` (1-based) of its first migration, in order.
pub fn statements(plans: &[MigrationPlan], index: usize) -> String {
    plans[0].steps[index - 1]
        .actions
        .iter()
        .map(|a| format!("-- {}\n{}", a.description, a.forward))
        .collect::<Vec<_>>()
        .join("\n")
}
