//! `rename_table` and `rename_column` on MySQL. Rollback renames back.

use strata_core::steps::{RenameColumn, RenameTable};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{
    column_absent, column_exists, dependents, refused, sized, table_absent, table_exists, Checked,
    Counter,
};
use crate::sql::{ident, table as qtable};

fn check_table<'a>(
    ctx: &StepContext<'a>,
    s: &RenameTable,
) -> Checked<&'a strata_core::schema::Table> {
    let t = strata_core::preflight::rename_table(ctx, s, &super::RULES)?;
    // A view keeps the old name in its text and breaks; the server does not rewrite it.
    if !t.dependents.is_empty() {
        return Err(format!(
            "{} name table \"{}\" and would break: MySQL does not rewrite views when a table is renamed; drop them first (sql step) and re-create them after",
            t.dependents.join(", "),
            t.name
        ));
    }
    Ok(t)
}

pub fn analyze_table(ctx: StepContext<'_>, s: &RenameTable) -> Analysis {
    check_table(&ctx, s).map_or_else(refused, sized)
}

/// 1 when `present` exists and `gone` does not.
fn swapped(present: String, gone: String) -> String {
    format!("SELECT ({present}) * ({gone})")
}

pub fn compile_table(ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
    check_table(&ctx, s).map_err(|m| ctx.error(m))?;
    let (old, new) = (&s.table.name, &s.to);
    let renamed = s.table.with_name(new);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename table {old} to {new}"),
        Statement::Sql(format!(
            "RENAME TABLE {} TO {}",
            qtable(&s.table),
            qtable(&renamed)
        )),
    )
    .outside_transaction()
    .with_probe(Statement::Sql(swapped(
        table_exists(new),
        table_absent(old),
    )))
    .with_inverse(Statement::Sql(format!(
        "RENAME TABLE {} TO {}",
        qtable(&renamed),
        qtable(&s.table)
    )))
    .with_undo_probe(Statement::Sql(swapped(
        table_exists(old),
        table_absent(new),
    )))])
}

fn check_column<'a>(
    ctx: &StepContext<'a>,
    s: &RenameColumn,
) -> Checked<&'a strata_core::schema::Table> {
    strata_core::preflight::rename_column(ctx, s, &super::RULES)
}

pub async fn analyze_column(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &RenameColumn,
) -> Result<Analysis> {
    let t = match check_column(&ctx, s) {
        Err(m) => return Ok(refused(m)),
        Ok(t) => t,
    };
    // Views and trigger bodies keep the old name in their text and break; foreign keys and
    // indexes the server renames itself.
    let users = dependents::naming_column(counter.source, t, &s.column).await?;
    if !users.is_empty() {
        return Ok(refused(format!(
            "{} name column \"{}\" and would break: MySQL does not rewrite views or triggers when a column is renamed; drop them first (sql step) and re-create them after",
            users.join(", "),
            s.column
        )));
    }
    Ok(sized(t))
}

/// `ALTER TABLE … RENAME COLUMN from TO to`, after a rename of the column to itself when a
/// CHECK names it (`checked`: a table CHECK, or the `CHECK (json_valid(…))` of MariaDB's JSON
/// columns). MariaDB 10.11 refuses the rename ("Unknown column … in 'CHECK'") once any query
/// has read the table under an alias (`SELECT c.x FROM t c`, as every pre-flight count and
/// backup does), until its cached definition is reopened; the rename to itself changes
/// nothing and reopens it.
fn rename(tbl: &str, checked: bool, from: &str, to: &str) -> String {
    let (from, to) = (ident(from), ident(to));
    let rename = format!("ALTER TABLE {tbl} RENAME COLUMN {from} TO {to}");
    if checked {
        format!("ALTER TABLE {tbl} RENAME COLUMN {from} TO {from}; {rename}")
    } else {
        rename
    }
}

/// Whether a CHECK of `t` names `column`.
fn named_by_check(t: &strata_core::schema::Table, column: &str) -> bool {
    let quoted = ident(column);
    let own = t
        .column(column)
        .and_then(|c| c.definition.as_deref())
        .is_some_and(|d| d.contains(" CHECK ("));
    own || t.constraints.iter().any(|c| {
        c.kind == strata_core::schema::ConstraintKind::Check
            && (c.columns.iter().any(|n| n.eq_ignore_ascii_case(column))
                || c.definition.contains(&quoted))
    })
}

pub fn compile_column(ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
    let t = check_column(&ctx, s).map_err(|m| ctx.error(m))?;
    let (tbl, name) = (qtable(&t.name), &t.name.name);
    let checked = named_by_check(t, &s.column);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename column {}.{} to {}", t.name, s.column, s.to),
        Statement::Sql(rename(&tbl, checked, &s.column, &s.to)),
    )
    .outside_transaction()
    .with_probe(Statement::Sql(swapped(
        column_exists(name, &s.to),
        column_absent(name, &s.column),
    )))
    .with_inverse(Statement::Sql(rename(&tbl, checked, &s.to, &s.column)))
    .with_undo_probe(Statement::Sql(swapped(
        column_exists(name, &s.column),
        column_absent(name, &s.to),
    )))])
}
