//! `drop_foreign_key` on SQLite: a rebuild with the key taken out of the table's text.
//! Rollback rebuilds it with the key, after `pragma_foreign_key_check` finds no orphan.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::steps::DropForeignKey;
use strata_core::Refusal;
use strata_core::{Action, Analysis, Result, StepContext};

use super::table_text::{rebuild, rebuildable};
use super::{Analyzer, Compiler, RULES};
use crate::ddl::CreateTable;

/// The table, its text, and its text without the key.
pub fn check_drop<'a>(
    ctx: &StepContext<'a>,
    s: &DropForeignKey,
) -> Checked<(&'a Table, CreateTable<'a>, String)> {
    s.preflight(ctx.snapshot, &RULES)?;
    let t = RULES.table(ctx.snapshot, &s.table)?;
    let text = rebuildable(t)?;
    let to = text
        .replacing_foreign_key(&s.name, None)
        .map_err(Refusal::unsupported)?;
    Ok((t, text, to))
}

impl AnalyzeKind<DropForeignKey> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Analysis> {
        Ok(Analysis::of_checked(check_drop(&ctx, s).map(|(t, _, _)| t)))
    }
}

impl CompileKind<DropForeignKey> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
        let (t, text, to) = ctx.checked(check_drop(&ctx, s))?;
        let description = format!("drop foreign key {} (table rebuild)", s.name);
        let (guard, alter) = rebuild(&ctx, t, &text, &to, &[], &[], description)?;
        Ok(vec![guard, alter])
    }
}

strata_core::golden_test!("drop_foreign_key");
