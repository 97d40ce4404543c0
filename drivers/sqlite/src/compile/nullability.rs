//! `set_not_null` (NULLs filled first where the step says, and put back by rollback),
//! `drop_not_null`, `set_default`, `drop_default`: a rebuild with the one column constraint
//! changed in the table's text.

use strata_core::preflight::{self, Checked};
use strata_core::schema::Table;
use strata_core::steps::SetNotNull;
use strata_core::{
    Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext, StepKind,
};

use super::backup::{backup, examples, in_backup, select_keyed};
use super::table_text::{rebuild, rebuildable_column};
use super::Counter;
use crate::ddl::lexer::same_name;
use crate::ddl::{ColumnConstraintKind, CreateTable, TableConstraintKind};
use crate::sql::{ident, literal, table as qtable};

/// The table and column a nullability or default step is about.
fn target(kind: &StepKind) -> Option<(&QualifiedName, &str)> {
    match kind {
        StepKind::SetNotNull(s) => Some((&s.table, &s.column)),
        StepKind::DropNotNull(s) => Some((&s.table, &s.column)),
        StepKind::SetDefault(s) => Some((&s.table, &s.column)),
        StepKind::DropDefault(s) => Some((&s.table, &s.column)),
        _ => None,
    }
}

/// Whether SQLite keeps NULL out of the column without a NOT NULL: the rowid
/// (`INTEGER PRIMARY KEY`), or a primary key column of a `WITHOUT ROWID` table. Any other
/// primary key column of a rowid table takes NULL (a quirk SQLite keeps for compatibility),
/// though strata reads it as NOT NULL.
fn never_null(text: &CreateTable<'_>, column: &str) -> bool {
    text.rowid_alias()
        .is_some_and(|c| same_name(&c.name.value, column))
        || (text.without_rowid && in_primary_key(text, column))
}

/// Whether the column is in the primary key.
fn in_primary_key(text: &CreateTable<'_>, column: &str) -> bool {
    let inline = text.column(column).is_some_and(|(_, c)| {
        c.constraints
            .iter()
            .any(|k| matches!(k.kind, ColumnConstraintKind::PrimaryKey { .. }))
    });
    inline
        || text.constraints().any(|(_, k)| match &k.kind {
            TableConstraintKind::PrimaryKey { parts } => parts.iter().any(|p| {
                p.column
                    .as_ref()
                    .is_some_and(|n| same_name(&n.value, column))
            }),
            _ => false,
        })
}

/// The table's text after a nullability or default step (the same text `crate::simulate`
/// predicts); `None` for any other step.
pub fn reshaped(
    text: &CreateTable<'_>,
    kind: &StepKind,
) -> Option<std::result::Result<String, String>> {
    Some(match kind {
        StepKind::SetNotNull(s) if never_null(text, &s.column) => Ok(text.sql.to_owned()),
        StepKind::SetNotNull(s) => text.with_not_null(&s.column),
        StepKind::DropNotNull(s) => text.without_not_null(&s.column),
        StepKind::SetDefault(s) => text.with_default(&s.column, &literal(&s.value)),
        StepKind::DropDefault(s) => text.without_default(&s.column),
        _ => return None,
    })
}

/// The table, its text, and the text after the step.
pub fn check_reshape<'a>(ctx: &StepContext<'a>) -> Checked<(&'a Table, CreateTable<'a>, String)> {
    let (table, column) = target(&ctx.step.kind).ok_or("not a nullability or default step")?;
    let (t, text) = rebuildable_column(ctx, table, column)?;
    let to = reshaped(&text, &ctx.step.kind).ok_or("not a nullability or default step")??;
    Ok((t, text, to))
}

fn describe(kind: &StepKind, t: &Table) -> String {
    let (what, column) = match kind {
        StepKind::SetNotNull(s) => ("set NOT NULL on", &s.column),
        StepKind::DropNotNull(s) => ("drop NOT NULL on", &s.column),
        StepKind::SetDefault(s) => ("set the default of", &s.column),
        StepKind::DropDefault(s) => ("drop the default of", &s.column),
        _ => ("change", &t.name.name),
    };
    format!("{what} {}.{column} (table rebuild)", t.name)
}

/// `drop_not_null`, `set_default`, `drop_default`: a rebuild each way, nothing when the text
/// already says so.
pub fn compile_reshape(ctx: StepContext<'_>) -> Result<Vec<Action>> {
    let (t, text, to) = check_reshape(&ctx).map_err(|m| ctx.error(m))?;
    if to == text.sql {
        return Ok(Vec::new());
    }
    let (guard, alter) = rebuild(&ctx, t, &text, &to, &[], &[], describe(&ctx.step.kind, t))?;
    Ok(vec![guard, alter])
}

pub async fn analyze_set_not_null(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &SetNotNull,
) -> Result<Analysis> {
    let (t, text, to) = match check_reshape(&ctx) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(x) => x,
    };
    let mut a = Analysis::of_table(t);
    if to == text.sql {
        a.warnings.push(format!(
            "{}.{} is already NOT NULL; nothing to do",
            t.name, s.column
        ));
        return Ok(a);
    }
    let filter = format!("c.{} IS NULL", ident(&s.column));
    let nulls = counter.count(t, &filter).await?;
    let shown = if nulls > 0 {
        examples(
            counter.source,
            t,
            &format!("c.{}", ident(&s.column)),
            &filter,
        )
        .await?
    } else {
        vec![]
    };
    a.findings.push(preflight::nulls_finding(
        t,
        &s.column,
        nulls,
        s.fill.as_ref(),
        shown,
    ));
    if let Some(fill) = &s.fill {
        super::backup::refuse_null_keys(counter, t, &text, &mut a).await?;
        let writes = [(s.column.clone(), literal(fill))];
        super::refuse_conflicts(counter, &ctx, t, &writes, Some(&filter), &mut a).await?;
    }
    Ok(a)
}

pub fn compile_set_not_null(ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
    let (t, text, to) = check_reshape(&ctx).map_err(|m| ctx.error(m))?;
    if to == text.sql {
        return Ok(Vec::new());
    }
    let step = ctx.step.index;
    let column = text.declared_name(&s.column);
    let (tbl, col) = (qtable(&t.name), ident(&s.column));
    let mut back = Vec::new();
    let mut before = Vec::new();
    match &s.fill {
        Some(fill) if !t.primary_key.is_empty() => {
            before.extend(super::conflict_checks(
                &ctx,
                t,
                &[(s.column.clone(), literal(fill))],
                Some(&format!("c.{col} IS NULL")),
            ));
            let bak = ctx.backup_name(&t.name, Some(&s.column));
            before.extend(super::backup::no_null_keys(&ctx, t, &text));
            before.extend(backup(
                &ctx,
                &bak,
                &select_keyed(t, &[], Some(&format!("c.{col} IS NULL"))),
                &format!("the keys of the rows where {}.{} is NULL", t.name, s.column),
                &t.primary_key,
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
    let (guard, alter) = rebuild(&ctx, t, &text, &to, &[], &back, describe(&ctx.step.kind, t))?;
    let mut actions = vec![guard];
    actions.extend(before);
    actions.push(alter);
    Ok(actions)
}
