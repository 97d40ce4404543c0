//! `drop_index` on SQLite. Rollback re-creates the index from the text `sqlite_master` kept.

use strata_core::driver::CompileKind;
use strata_core::steps::DropIndex;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::{Compiler, RULES};
use crate::sql::ident;

impl CompileKind<DropIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let (_, index) = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop index {}", s.name),
            Statement::Sql(format!("DROP INDEX {}", ident(&s.name))),
        )
        .with_inverse(Statement::Sql(index.definition.clone()))])
    }
}

strata_core::golden_test!("drop_index");
