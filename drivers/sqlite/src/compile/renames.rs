//! `rename_column`: SQLite's own `ALTER TABLE … RENAME COLUMN`, which rewrites every object
//! that names the column — the table's CHECKs and keys, its indexes, other tables' foreign
//! keys, and views and triggers anywhere — even with `legacy_alter_table = ON` (that setting
//! only concerns renaming tables). Nothing breaks, so nothing is refused.
//!
//! SQLite writes the new name bare over a bare token when the statement spells it bare, and
//! double-quoted otherwise; strata spells both names bare when they can be (`sql::name`), so
//! renaming back gives the user's text back. A token written `[name]`, `` `name` ``, in another
//! case, or a name that must be quoted, comes back double-quoted: the plan names each object
//! whose text the rollback would give back that way.

use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::RenameColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::RULES;
use crate::connection::Session;
use crate::ddl::lexer::{dequote, same_name, significant, Kind};
use crate::ddl::{parse, rename};
use crate::sql::{ident, is_plain, name, table as qtable};

pub fn compile(ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
    let t = preflight::rename_column(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let rename = |a: &str, b: &str| {
        Statement::Sql(format!(
            "ALTER TABLE {tbl} RENAME COLUMN {} TO {}",
            name(a),
            name(b)
        ))
    };
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename column {}.{} to {}", t.name, s.column, s.to),
        rename(&s.column, &s.to),
    )
    .with_inverse(rename(&s.to, &s.column))])
}

pub async fn analyze(
    session: &Session,
    ctx: StepContext<'_>,
    s: &RenameColumn,
) -> Result<Analysis> {
    let t = match preflight::rename_column(&ctx, s, &RULES) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let mut requoted = requoted_in_schema(&ctx, t, s);
    for r in session
        .rows("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .await?
    {
        if let (Some(view), Some(sql)) = (&r[0], &r[1]) {
            if !spelled_back(sql, s) {
                requoted.push(format!("view {view}"));
            }
        }
    }
    let mut a = Analysis::of_table(t);
    if !requoted.is_empty() {
        a.warnings.push(format!(
            "rollback renames \"{}\" back with SQLite's RENAME COLUMN, which writes it as \
             {} where {} spell it otherwise (bracketed, backquoted, in another case or \
             quoted): the same schema, in other quotes",
            s.to,
            ident(&s.column),
            requoted.join(", ")
        ));
    }
    Ok(a)
}

/// Whether every token of `sql` that could name the column comes back as it was written.
fn spelled_back(sql: &str, s: &RenameColumn) -> bool {
    let bare = is_plain(&s.column) && is_plain(&s.to);
    significant(sql).is_ok_and(|tokens| {
        tokens
            .iter()
            .filter(|t| matches!(t.kind, Kind::Word | Kind::Quoted))
            .map(|t| t.text(sql))
            .filter(|text| same_name(&dequote(text), &s.column))
            .all(|text| (bare && text == s.column) || text == ident(&s.column))
    })
}

/// The objects of the schema strata knows (tables, indexes, triggers) whose text a rename
/// there and back would not give back.
fn requoted_in_schema(ctx: &StepContext<'_>, t: &Table, s: &RenameColumn) -> Vec<String> {
    let (forth, back) = (is_plain(&s.to), is_plain(&s.column));
    let table = &t.name.name;
    let mut out = Vec::new();
    let round_trip = |sql: &str, there: &dyn Fn(&str, &str, &str, bool) -> Option<String>| {
        let Some(renamed) = there(sql, &s.column, &s.to, forth) else {
            return true;
        };
        there(&renamed, &s.to, &s.column, back).as_deref() == Some(sql)
    };
    let in_table = |sql: &str, old: &str, new: &str, bare: bool| {
        parse(sql)
            .ok()
            .and_then(|p| rename::column_in_table(&p, old, new, bare))
    };
    if let Some(sql) = t.definition.as_deref() {
        if !round_trip(sql, &in_table) {
            out.push(format!("table {table}"));
        }
    }
    for i in &t.indexes {
        let in_index = |sql: &str, old: &str, new: &str, bare: bool| {
            rename::column_in_index(sql, table, old, new, bare)
        };
        if !round_trip(&i.definition, &in_index) {
            out.push(format!("index {}", i.name));
        }
    }
    for other in ctx.snapshot.tables.values() {
        let references = |sql: &str, old: &str, new: &str, bare: bool| {
            parse(sql)
                .ok()
                .and_then(|p| rename::column_in_references(&p, table, old, new, bare))
        };
        if other.name != t.name {
            if let Some(sql) = other.definition.as_deref() {
                if !round_trip(sql, &references) {
                    out.push(format!("table {}", other.name));
                }
            }
        }
        for tr in &other.triggers {
            if !spelled_back(&tr.definition, s) {
                out.push(format!("trigger {}", tr.name));
            }
        }
    }
    out
}
