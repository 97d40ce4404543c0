//! `drop_not_null` on PostgreSQL. Rollback sets NOT NULL again (it fails, and says so, if a
//! NULL was written meanwhile).

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropNotNull;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{Analyzer, Compiler};
use crate::sql::{ident, table as qtable};

pub fn analyze_drop(ctx: StepContext<'_>, s: &DropNotNull) -> Analysis {
    match super::RULES.table_column(ctx.snapshot, &s.table, &s.column) {
        Err(m) => Analysis::refused(m),
        Ok((t, c)) => {
            let mut a = Analysis::of_table(t);
            if c.nullable {
                a.warnings.push(format!(
                    "{}.{} already allows NULL; nothing to do",
                    t.name, c.name
                ));
            }
            if t.primary_key.contains(&c.name) {
                return Analysis::refused(Refusal::new(
                    RefusalKind::Invalid,
                    format!(
                        "column \"{}\" is part of the primary key of \"{}\"",
                        c.name, t.name
                    ),
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
