//! `add_column` (`ALTER TABLE … ADD COLUMN`, undone by `DROP COLUMN`, which gives the text
//! back byte for byte) and `drop_column` (a rebuild, refused while anything uses the column).

use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::steps::{AddColumn, DropColumn};
use strata_core::{
    Action, ActionKind, Analysis, Finding, FindingKind, Result, Statement, StepContext,
};

use super::backup::{backup, from_backup, no_null_keys, refuse_null_keys, select_keyed};
use super::table_text::{rebuild, rebuildable_column};
use super::{uses, Counter, RULES};
use crate::ddl::CreateTable;
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
    let def = added_column(s, strict)
        .map_err(|m| format!("column \"{}\" of \"{}\": {m}", s.column, t.name))?;
    Ok((t, def))
}

pub fn compile_add(ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
    let (t, def) = check_add(&ctx, s).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("add column {}.{}", t.name, s.column),
        Statement::Sql(format!("ALTER TABLE {tbl} ADD COLUMN {def}")),
    )
    .with_inverse(Statement::Sql(format!(
        "ALTER TABLE {tbl} DROP COLUMN {}",
        ident(&s.column)
    )))])
}

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
    let to = text.without_column(&s.column)?;
    Ok((t, text, to))
}

pub async fn analyze_drop(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &DropColumn,
) -> Result<Analysis> {
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
    let values = counter
        .count(t, &format!("c.{} IS NOT NULL", ident(&s.column)))
        .await?;
    let mut a = Analysis::of_table(t);
    if s.backup {
        refuse_null_keys(counter, t, &text, &mut a).await?;
    }
    let handling = if s.backup {
        format!(
            "copied with their keys to {} and verified before the drop",
            ctx.backup_name(&t.name, Some(&s.column))
        )
    } else {
        "NOT backed up (backup = false): the values are lost".to_owned()
    };
    a.findings.push(Finding {
        kind: FindingKind::RowsDestroyed,
        count: values,
        examples: vec![],
        handling,
        blocking: None,
    });
    Ok(a)
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
    let (t, text, to) = check_drop(&ctx, s).map_err(|m| ctx.error(m))?;
    let column = text.declared_name(&s.column);
    let mut back = Vec::new();
    let mut backups = Vec::new();
    if s.backup {
        let bak = ctx.backup_name(&t.name, Some(&s.column));
        backups.extend(no_null_keys(&ctx, t, &text));
        backups.extend(backup(
            &ctx,
            &bak,
            &select_keyed(t, std::slice::from_ref(&s.column), None),
            &format!("{}.{} with its keys", t.name, s.column),
            &t.primary_key,
        ));
        back.push((column.clone(), from_backup(t, &bak, &s.column)));
    }
    let description = format!("drop column {}.{} (table rebuild)", t.name, s.column);
    let (guard, drop) = rebuild(&ctx, t, &text, &to, &[], &back, description)?;
    let mut drop = drop.destructive();
    if !s.backup {
        drop.inverse = None;
    }
    let mut actions = vec![guard];
    actions.extend(backups);
    actions.push(drop);
    Ok(actions)
}
