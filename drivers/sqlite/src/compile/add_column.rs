//! `add_column` on SQLite: `ALTER TABLE … ADD COLUMN`, undone by `DROP COLUMN`, which gives
//! the table's text back byte for byte.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::steps::AddColumn;
use strata_core::Refusal;
use strata_core::{Action, Analysis, Result, StepContext};

use super::{Analyzer, Compiler, RULES};
use crate::sql::{ident, literal, table as qtable};
use crate::types;

/// The column definition `ALTER TABLE … ADD COLUMN` is given, in a table that is `STRICT` or
/// not (`crate::simulate` writes the same text into the table's definition).
pub fn added_column(s: &AddColumn, strict: bool) -> std::result::Result<String, String> {
    let mut def = format!("{} {}", ident(&s.column), types::declared(s.ty, strict)?);
    if !s.nullable {
        def.push_str(" NOT NULL");
    }
    if let Some(v) = &s.default {
        def.push_str(&format!(" DEFAULT {}", literal(v)));
    }
    Ok(def)
}

/// The table and the definition its new column gets.
pub fn check_add<'a>(ctx: &StepContext<'a>, s: &AddColumn) -> Checked<(&'a Table, String)> {
    let t = s.preflight(ctx.snapshot, &RULES)?;
    let strict = t.definition.as_deref().is_some_and(crate::ddl::is_strict);
    let def = added_column(s, strict).map_err(|m| {
        Refusal::unsupported(format!("column \"{}\" of \"{}\": {m}", s.column, t.name))
    })?;
    Ok((t, def))
}

impl AnalyzeKind<AddColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Analysis> {
        Ok(Analysis::of_checked(check_add(&ctx, s).map(|(t, _)| t)))
    }
}

impl CompileKind<AddColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
        let (t, def) = ctx.checked(check_add(&ctx, s))?;
        let drop = format!(
            "ALTER TABLE {} DROP COLUMN {}",
            qtable(&t.name),
            ident(&s.column)
        );
        Ok(vec![
            strata_sql::actions::add_column::<crate::dialect::Lite>(&ctx, t, s, &def, drop),
        ])
    }
}

strata_core::golden_test!("add_column");
