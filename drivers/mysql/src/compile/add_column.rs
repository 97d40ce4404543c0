//! `add_column` on MySQL (online where the server can). Rollback drops the column.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::create_table::default_clause;
use super::{column_absent, column_exists, online, Analyzer, Compiler, ONLINE};
use crate::sql::{ident, table as qtable};
use crate::types;

pub fn analyze(ctx: StepContext<'_>, s: &AddColumn) -> Analysis {
    s.preflight(ctx.snapshot, &super::RULES)
        .map_or_else(Analysis::refused, Analysis::of_table)
}

impl AnalyzeKind<AddColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<AddColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let mut def = format!("{} {}", ident(&s.column), types::native(s.ty));
        def.push_str(if s.nullable { " NULL" } else { " NOT NULL" });
        if let Some(v) = &s.default {
            def.push_str(&default_clause(s.ty, v));
        }
        let tbl = qtable(&t.name);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            online(format!("add column {}.{}", t.name, s.column)),
            Statement::Sql(format!("ALTER TABLE {tbl} ADD COLUMN {def}{ONLINE}")),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(column_exists(&t.name.name, &s.column)))
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} DROP COLUMN {}",
            ident(&s.column)
        )))
        .with_undo_probe(Statement::Sql(column_absent(
            &t.name.name,
            &s.column,
        )))])
    }
}

strata_core::golden_test!("add_column");
