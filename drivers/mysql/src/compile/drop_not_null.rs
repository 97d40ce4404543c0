//! `drop_not_null` on MySQL: `MODIFY COLUMN` with the column's definition made nullable.
//! Rollback restores the definition exactly as `SHOW CREATE TABLE` gave it.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropNotNull;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::nullability::with_nullability;
use super::{column_nullable_is, exact_definition, online, Analyzer, Compiler, ONLINE};
use crate::sql::table as qtable;

pub fn analyze_drop(ctx: StepContext<'_>, s: &DropNotNull) -> Analysis {
    match super::RULES.table_column(ctx.snapshot, &s.table, &s.column) {
        Err(m) => Analysis::refused(m),
        Ok((t, c)) => {
            if t.primary_key.contains(&c.name) {
                return Analysis::refused(Refusal::new(
                    RefusalKind::Invalid,
                    format!(
                        "column \"{}\" is part of the primary key of \"{}\"",
                        c.name, t.name
                    ),
                ));
            }
            let mut a = Analysis::of_table(t);
            if c.nullable {
                a.warnings.push(format!(
                    "{}.{} already allows NULL; nothing to do",
                    t.name, c.name
                ));
            }
            a
        }
    }
}

impl AnalyzeKind<DropNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropNotNull) -> Result<Analysis> {
        Ok(analyze_drop(ctx, s))
    }
}

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
