//! `drop_index` on PostgreSQL: `DROP INDEX`; rollback re-creates it from `pg_get_indexdef`.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropIndex;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{refused, sized, Analyzer, Checked, Compiler};
use crate::sql::table as qtable;

fn check<'a>(ctx: &StepContext<'a>, s: &DropIndex) -> Checked<&'a strata_core::schema::Index> {
    s.preflight(ctx.snapshot, &super::RULES).map(|(_, i)| i)
}

pub fn analyze(ctx: StepContext<'_>, s: &DropIndex) -> Analysis {
    match check(&ctx, s) {
        Err(m) => refused(m),
        Ok(_) => sized(ctx.snapshot.table(&s.table).expect("checked")),
    }
}

impl AnalyzeKind<DropIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<DropIndex> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let index = check(&ctx, s).map_err(|m| ctx.error(m))?;
        let name = s.table.with_name(&s.name);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop index {}", s.name),
            Statement::Sql(format!("DROP INDEX {}", qtable(&name))),
        )
        .with_inverse(Statement::Sql(index.definition.clone()))])
    }
}

strata_core::golden_test!("drop_index");
