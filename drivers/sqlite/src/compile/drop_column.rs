//! `drop_column` on SQLite: a rebuild without the column, refused while anything uses it; the
//! values are backed up first and rollback rebuilds the table with them.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::steps::DropColumn;
use strata_core::Refusal;
use strata_core::{Action, Analysis, QualifiedName, Result, StepContext};

use super::backup::{from_backup, no_null_keys, refuse_null_keys};
use super::one_rebuild::{KeyedBackup, Rebuilt};
use super::table_text::rebuildable_column;
use super::{uses, Analyzer, Compiler, RULES};
use crate::ddl::CreateTable;

/// The table, its text, and its text without the column; refused while a CHECK, generated
/// column, index, foreign key or trigger uses the column (views are checked live, in the plan).
fn check_drop<'a>(
    ctx: &StepContext<'a>,
    s: &DropColumn,
) -> Checked<(&'a Table, CreateTable<'a>, String)> {
    let (t, text) = rebuildable_column(ctx, &s.table, &s.column)?;
    s.preflight(ctx.snapshot, &RULES)?;
    let users = uses::column_users(ctx.snapshot, t, &text, &s.column);
    if let Some(refusal) = uses::refusal(t, &s.column, &users) {
        return Err(refusal);
    }
    let to = text
        .without_column(&s.column)
        .map_err(Refusal::unsupported)?;
    Ok((t, text, to))
}

impl AnalyzeKind<DropColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Analysis> {
        let counter = self.counter;
        let (t, text) = match check_drop(&ctx, s) {
            Err(m) => return Ok(Analysis::refused(m)),
            Ok((t, text, _)) => (t, text),
        };
        let views = match uses::live_column(&ctx, &s.column) {
            Some(live) => uses::views_using(counter.source, &t.name.name, &live).await?,
            None => Vec::new(),
        };
        if let Some(refusal) = uses::refusal(t, &s.column, &views) {
            return Ok(Analysis::refused(refusal));
        }
        let mut a = Analysis::of_table(t);
        if s.backup {
            refuse_null_keys(counter, t, &text, &mut a).await?;
        }
        a.findings
            .push(strata_sql::dropped_values_finding(counter, &ctx, s, t).await?);
        Ok(a)
    }
}

impl CompileKind<DropColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
        match parts(&ctx, s, None)? {
            Some(p) => p.actions(&ctx),
            None => Ok(Vec::new()),
        }
    }
}

/// The step in parts ([`Rebuilt`]); its values backed up to `shared` when given (one copy
/// for several steps on the table), else to its own backup.
pub(super) fn parts<'a>(
    ctx: &StepContext<'a>,
    s: &DropColumn,
    shared: Option<&QualifiedName>,
) -> Result<Option<Rebuilt<'a>>> {
    let (t, text, to) = ctx.checked(check_drop(ctx, s))?;
    let column = text.declared_name(&s.column);
    let mut back = Vec::new();
    let mut pre = Vec::new();
    let mut backup = None;
    if s.backup {
        let bak = shared
            .cloned()
            .unwrap_or_else(|| ctx.backup_name(&t.name, Some(&s.column)));
        pre.extend(no_null_keys(ctx, t, &text));
        back.push((column, from_backup(t, &bak, &s.column)));
        backup = Some(KeyedBackup {
            name: bak,
            columns: vec![s.column.clone()],
            what: format!("{}.{}", t.name, s.column),
        });
    }
    Ok(Some(Rebuilt {
        table: t,
        text,
        to,
        forward: Vec::new(),
        back,
        pre,
        backup,
        before: Vec::new(),
        after: Vec::new(),
        description: format!("drop column {}.{} (table rebuild)", t.name, s.column),
        destroys: true,
        undoable: s.backup,
    }))
}

strata_core::golden_test!("drop_column");
