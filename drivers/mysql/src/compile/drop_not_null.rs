//! `drop_not_null` on MySQL: `MODIFY COLUMN` with the column's definition made nullable.
//! Rollback restores the definition exactly as `SHOW CREATE TABLE` gave it.

use strata_core::driver::CompileKind;
use strata_core::steps::DropNotNull;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::nullability::with_nullability;
use super::{column_nullable_is, exact_definition, online, Compiler, ONLINE};
use crate::sql::table as qtable;

impl CompileKind<DropNotNull> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropNotNull) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(super::RULES.table_column(ctx.snapshot, &s.table, &s.column))?;
        if c.nullable {
            return Ok(Vec::new());
        }
        let definition = ctx.checked(exact_definition(c))?;
        let tbl = qtable(&t.name);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            online(format!("drop NOT NULL on {}.{}", t.name, c.name)),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} MODIFY COLUMN {}{ONLINE}",
                with_nullability(&definition, true)
            )),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(column_nullable_is(
            &t.name.name,
            &c.name,
            true,
        )))
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} MODIFY COLUMN {definition}"
        )))
        .with_undo_probe(Statement::Sql(column_nullable_is(
            &t.name.name,
            &c.name,
            false,
        )))])
    }
}

strata_core::golden_test!("drop_not_null");
