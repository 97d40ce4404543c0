//! Drift: an applied file edited afterwards is reported and refused; a deleted one is reported.

use anyhow::ensure;
use strata_core::history::MigrationState;
use strata_core::RefusalKind;

use super::{expect_refused, fixture::setup};
use crate::context::TestContext;

pub async fn drift_is_refused(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    ctx.write(
        2,
        "cols",
        "[[step]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = \"note\"\ntype = \"text\"\n",
    )?;
    ctx.apply().await?;
    let path = ctx.write(2, "cols", "[[step]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = \"note\"\ntype = \"string(10)\"\n")?;
    ctx.write(
        3,
        "more",
        "[[step]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = \"other\"\ntype = \"text\"\n",
    )?;
    let status = strata_core::runner::status(ctx.driver.as_ref(), &ctx.migrations()?).await?;
    ensure!(
        status
            .iter()
            .any(|s| s.version == 2 && s.state == MigrationState::Drifted),
        "status: {status:?}"
    );
    expect_refused(
        ctx.apply().await,
        RefusalKind::Drift,
        &path.display().to_string(),
    )?;
    ensure!(
        ctx.schema().await?.tables["users"]
            .column("other")
            .is_none(),
        "a refused apply changed the schema"
    );
    std::fs::remove_file(&path)?;
    let status = strata_core::runner::status(ctx.driver.as_ref(), &ctx.migrations()?).await?;
    ensure!(
        status
            .iter()
            .any(|s| s.version == 2 && s.state == MigrationState::Missing),
        "status: {status:?}"
    );
    Ok(())
}
