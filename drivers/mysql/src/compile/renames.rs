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

/// `ALTER TABLE … RENAME COLUMN from TO to`, or, for a column with a CHECK of its own
/// (MariaDB's JSON columns have `CHECK (json_valid(…))`), `CHANGE COLUMN` with its whole
/// definition, the CHECK naming the new name: after other ALTERs of the table in the same
/// session MariaDB can keep the old name in that CHECK and refuse the next `RENAME COLUMN`
/// ("Unknown column … in 'CHECK'"); a full definition leaves it nothing to remember.
fn rename(tbl: &str, definition: Option<&str>, from: &str, to: &str) -> String {
    match definition.filter(|d| d.contains(" CHECK (")) {
        Some(def) => {
            let (old, new) = (ident(from), ident(to));
            let rest = def.strip_prefix(&old).unwrap_or(def);
            format!(
                "ALTER TABLE {tbl} CHANGE COLUMN {old} {new}{}",
                rest.replace(&old, &new)
            )
        }
        None => format!(
            "ALTER TABLE {tbl} RENAME COLUMN {} TO {}",
            ident(from),
            ident(to)
        ),
    }
}

pub fn compile_column(ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
    let t = check_column(&ctx, s).map_err(|m| ctx.error(m))?;
    let (tbl, name) = (qtable(&t.name), &t.name.name);
    let definition = t.column(&s.column).and_then(|c| c.definition.as_deref());
    let renamed = definition.map(|d| {
        let rest = d.strip_prefix(&ident(&s.column)).unwrap_or(d);
        format!(
            "{}{}",
            ident(&s.to),
            rest.replace(&ident(&s.column), &ident(&s.to))
        )
    });
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename column {}.{} to {}", t.name, s.column, s.to),
        Statement::Sql(rename(&tbl, definition, &s.column, &s.to)),
    )
    .outside_transaction()
    .with_probe(Statement::Sql(swapped(
        column_exists(name, &s.to),
        column_absent(name, &s.column),
    )))
    .with_inverse(Statement::Sql(rename(
        &tbl,
        renamed.as_deref(),
        &s.to,
        &s.column,
    )))
    .with_undo_probe(Statement::Sql(swapped(
        column_exists(name, &s.column),
        column_absent(name, &s.to),
    )))])
}
