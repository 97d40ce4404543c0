//! What names a column, so that dropping it can be refused before anything runs, naming each
//! object that would break: CHECKs and generated columns of its table, its indexes, foreign
//! keys that reference it, triggers, and views. A constraint declared on the column itself
//! goes with it, as do the UNIQUE and FOREIGN KEY lists that name it.

use strata_core::schema::{Snapshot, Table};
use strata_core::Refusal;
use strata_core::{Result, StepContext, StepKind};

use crate::connection::Session;
use crate::ddl::lexer::same_name;
use crate::ddl::refs::{column_refs, mentions, target};
use crate::ddl::{parse, ColumnConstraintKind, CreateTable};

/// The objects of `snapshot` that use `t.column` and would break without it.
pub fn column_users(
    snapshot: &Snapshot,
    t: &Table,
    text: &CreateTable<'_>,
    column: &str,
) -> Vec<String> {
    let (sql, table) = (text.sql, t.name.name.as_str());
    let refs = |r: std::ops::Range<usize>| !column_refs(sql, r, table, column).is_empty();
    let mut out = Vec::new();
    for c in text.checks() {
        let own = c
            .column
            .as_deref()
            .is_some_and(|own| same_name(own, column));
        if !own && refs(c.expr.clone()) {
            out.push(format!("CHECK {}", c.name));
        }
    }
    for (_, c) in text
        .columns()
        .filter(|(_, c)| !same_name(&c.name.value, column))
    {
        for k in &c.constraints {
            if let ColumnConstraintKind::Generated { expr, .. } = &k.kind {
                if refs(expr.clone()) {
                    out.push(format!("generated column {}", c.name.value));
                }
            }
        }
    }
    for f in text.foreign_keys() {
        let parent = same_name(&f.clause.table.value, table)
            && f.clause.columns.iter().any(|n| same_name(&n.value, column));
        if parent && !f.columns.iter().any(|c| same_name(c, column)) {
            out.push(format!("foreign key {}", f.name));
        }
    }
    for i in &t.indexes {
        let in_text = target(&i.definition).is_some_and(|(on, _)| {
            !column_refs(&i.definition, on.end..i.definition.len(), table, column).is_empty()
        });
        if in_text || i.columns.iter().any(|c| same_name(c, column)) {
            out.push(format!("index {}", i.name));
        }
    }
    for other in snapshot.tables.values() {
        for tr in &other.triggers {
            if trigger_uses(&tr.definition, table, column) {
                out.push(format!("trigger {}", tr.name));
            }
        }
        if other.name == t.name {
            continue;
        }
        let Some(parsed) = other.definition.as_deref().and_then(|d| parse(d).ok()) else {
            continue;
        };
        for f in parsed.foreign_keys() {
            if same_name(&f.clause.table.value, table)
                && f.clause.columns.iter().any(|n| same_name(&n.value, column))
            {
                out.push(format!("foreign key {}.{}", other.name, f.name));
            }
        }
    }
    out
}

/// Whether a trigger uses `table.column`, or may (where strata cannot tell, it says it does).
fn trigger_uses(sql: &str, table: &str, column: &str) -> bool {
    crate::ddl::trigger::column_refs(sql, table, column).map_or(true, |refs| !refs.is_empty())
}

/// The name the step's column has in the live database, which views (read live, in the plan)
/// spell: earlier steps of the migration may have renamed it (or its table); `None` when an
/// earlier step made it, so that nothing live can name it.
pub fn live_column(ctx: &StepContext<'_>, column: &str) -> Option<String> {
    let step = ctx
        .migration
        .steps
        .iter()
        .find(|s| s.index == ctx.step.index)
        .unwrap_or(ctx.step);
    let mut table = step.kind.spec().table()?.clone();
    let mut name = column.to_owned();
    for earlier in ctx
        .migration
        .steps
        .iter()
        .rev()
        .filter(|s| s.index < ctx.step.index)
    {
        match &earlier.kind {
            StepKind::RenameTable(r) if r.table.with_name(&r.to) == table => {
                table = r.table.clone();
            }
            StepKind::RenameColumn(r) if r.table == table && same_name(&r.to, &name) => {
                name = r.column.clone();
            }
            StepKind::AddColumn(a) if a.table == table && same_name(&a.column, &name) => {
                return None
            }
            StepKind::CreateTable(c) if c.table == table => return None,
            _ => {}
        }
    }
    Some(name)
}

/// Every view of the live database, as (name, text).
pub async fn views(session: &Session) -> Result<Vec<(String, String)>> {
    Ok(session
        .rows("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .await?
        .into_iter()
        .filter_map(|r| Some((r[0].clone()?, r[1].clone()?)))
        .collect())
}

/// The views of the live database that name both `table` and `column`.
pub async fn views_using(session: &Session, table: &str, column: &str) -> Result<Vec<String>> {
    Ok(views(session)
        .await?
        .into_iter()
        .filter(|(_, sql)| mentions(sql, 0, table) && mentions(sql, 0, column))
        .map(|(name, _)| format!("view {name}"))
        .collect())
}

/// The refusal naming them, if any.
pub fn refusal(t: &Table, column: &str, users: &[String]) -> Option<Refusal> {
    (!users.is_empty()).then(|| {
        Refusal::dependents(
            format!("{}.{column}", t.name),
            format!(
            "column \"{column}\" of \"{}\" is used by {}; dropping it would break them: drop or \
             change them first (a sql step)",
            t.name,
            users.join(", ")
        ),
        )
    })
}
