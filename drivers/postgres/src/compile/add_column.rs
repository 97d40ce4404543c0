//! `add_column` on PostgreSQL. Rollback drops the column.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddColumn;
use strata_core::{Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler};
use crate::sql::{ident, literal, table as qtable};
use crate::types;

pub fn analyze(ctx: StepContext<'_>, s: &AddColumn) -> Analysis {
    match s.preflight(ctx.snapshot, &super::RULES) {
        Err(m) => Analysis::refused(m),
        Ok(t) => Analysis::of_table(t),
    }
}

impl AnalyzeKind<AddColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Analysis> {
        Ok(analyze(ctx, s))
    }
}

impl CompileKind<AddColumn> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let native = types::native(s.ty);
        let mut def = format!("{} {native}", ident(&s.column));
        if let Some(v) = &s.default {
            def.push_str(&format!(" DEFAULT {}", literal(v, &native)));
        }
        if !s.nullable {
            def.push_str(" NOT NULL");
        }
        let drop = format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {}",
            qtable(&t.name),
            ident(&s.column)
        );
        Ok(vec![strata_sql::actions::add_column::<crate::dialect::Pg>(
            &ctx, t, s, &def, drop,
        )])
    }
}

strata_core::golden_test!("add_column");
