//! `set_not_null` on SQLite: a rebuild with `NOT NULL` in the column's definition, NULLs
//! filled first where the step says (their keys backed up, and put back by rollback).

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetNotNull;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::backup::{in_backup, keyed_backup};
use super::one_rebuild::Rebuilt;
use super::reshape::{check_reshape, describe};
use super::{Analyzer, Compiler};
use crate::sql::{ident, literal, table as qtable};

impl AnalyzeKind<SetNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Analysis> {
        let counter = self.counter;
        let (t, text, to) = strata_core::refuse_unless!(check_reshape(&ctx));
        let mut a = Analysis::of_table(t);
        if to == text.sql {
            a.warnings
                .push(strata_core::preflight::already_not_null(t, &s.column));
            return Ok(a);
        }
        let filter = format!("c.{} IS NULL", ident(&s.column));
        let shown = format!("c.{}", ident(&s.column));
        a.findings
            .push(strata_sql::nulls_finding(counter, s, t, &s.column, &shown, &filter).await?);
        if let Some(fill) = &s.fill {
            super::backup::refuse_null_keys(counter, t, &text, &mut a).await?;
            let writes = [(s.column.clone(), literal(fill))];
            super::refuse_conflicts(counter, &ctx, t, &writes, Some(&filter), &mut a).await?;
        }
        Ok(a)
    }
}

impl CompileKind<SetNotNull> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
        match parts(&ctx, s)? {
            Some(p) => p.actions(&ctx),
            None => Ok(Vec::new()),
        }
    }
}

/// The step in parts ([`Rebuilt`]); `None` when the column is NOT NULL already.
pub(super) fn parts<'a>(ctx: &StepContext<'a>, s: &SetNotNull) -> Result<Option<Rebuilt<'a>>> {
    let (t, text, to) = ctx.checked(check_reshape(ctx))?;
    if to == text.sql {
        return Ok(None);
    }
    let step = ctx.step.index;
    let column = text.declared_name(&s.column);
    let (tbl, col) = (qtable(&t.name), ident(&s.column));
    let mut back = Vec::new();
    let mut before = Vec::new();
    match &s.fill {
        Some(fill) if !t.primary_key.is_empty() => {
            before.extend(strata_sql::conflict_checks::<crate::dialect::Lite>(
                ctx,
                t,
                &[(s.column.clone(), literal(fill))],
                Some(&format!("c.{col} IS NULL")),
            ));
            let bak = ctx.backup_name(&t.name, Some(&s.column));
            before.extend(super::backup::no_null_keys(ctx, t, &text));
            before.extend(keyed_backup(
                ctx,
                &bak,
                t,
                &[],
                Some(&format!("c.{col} IS NULL")),
                &format!("the keys of the rows where {}.{} is NULL", t.name, s.column),
            ));
            before.push(
                Action::new(
                    step,
                    ActionKind::Dml,
                    format!("fill the NULLs of {}.{} with {fill}", t.name, s.column),
                    Statement::Sql(format!(
                        "UPDATE {tbl} SET {col} = {} WHERE {col} IS NULL",
                        literal(fill)
                    )),
                )
                .restored_by_backup(),
            );
            back.push((
                column,
                format!(
                    "CASE WHEN {} THEN NULL ELSE strata_row.{col} END",
                    in_backup(t, &bak)
                ),
            ));
        }
        _ => before.push(Action::check(
            step,
            ActionKind::Check,
            format!("{}.{} holds no NULL", t.name, s.column),
            Statement::Sql(format!("SELECT COUNT(*) FROM {tbl} WHERE {col} IS NULL")),
            0,
            format!(
                "rows of {} hold NULL in \"{}\" and the step has no usable `fill`",
                t.name, s.column
            ),
        )),
    }
    Ok(Some(Rebuilt {
        table: t,
        description: describe(&ctx.step.kind, t),
        text,
        to,
        forward: Vec::new(),
        back,
        pre: Vec::new(),
        backup: None,
        before,
        after: Vec::new(),
        destroys: false,
        undoable: true,
    }))
}

strata_core::golden_test!("set_not_null");
