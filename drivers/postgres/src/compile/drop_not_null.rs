//! `drop_not_null` on PostgreSQL. Rollback sets NOT NULL again (it fails, and says so, if a
//! NULL was written meanwhile).

use strata_core::driver::CompileKind;
use strata_core::steps::DropNotNull;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::Compiler;
use crate::sql::{ident, table as qtable};

impl CompileKind<DropNotNull> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropNotNull) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(super::RULES.table_column(ctx.snapshot, &s.table, &s.column))?;
        if c.nullable {
            return Ok(Vec::new());
        }
        let (tbl, col) = (qtable(&t.name), ident(&c.name));
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop NOT NULL on {}.{}", t.name, c.name),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {col} DROP NOT NULL"
            )),
        )
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {col} SET NOT NULL"
        )))])
    }
}

strata_core::golden_test!("drop_not_null");
