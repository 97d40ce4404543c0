//! `drop_foreign_key` on PostgreSQL: `DROP CONSTRAINT`; rollback re-adds it from
//! `pg_get_constraintdef`.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropForeignKey;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{refused, sized, Analyzer, Checked, Compiler};
use crate::sql::{ident, table as qtable};

fn check<'a>(
    ctx: &StepContext<'a>,
    s: &DropForeignKey,
) -> Checked<&'a strata_core::schema::Constraint> {
    s.preflight(ctx.snapshot, &super::RULES)
}

pub fn analyze(ctx: StepContext<'_>, s: &DropForeignKey) -> Analysis {
    match check(&ctx, s) {
        Err(m) => refused(m),
        Ok(_) => sized(ctx.snapshot.table(&s.table).expect("checked")),
    }
}

impl AnalyzeKind<DropForeignKey> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<DropForeignKey> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
        let c = check(&ctx, s).map_err(|m| ctx.error(m))?;
        let tbl = qtable(&s.table);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop foreign key {} on {}", s.name, s.table),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} DROP CONSTRAINT {}",
                ident(&s.name)
            )),
        )
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} ADD CONSTRAINT {} {}",
            ident(&s.name),
            c.definition
        )))])
    }
}

strata_core::golden_test!("drop_foreign_key");
