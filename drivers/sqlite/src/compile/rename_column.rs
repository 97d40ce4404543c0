//! `rename_column` on SQLite: its own `ALTER TABLE … RENAME COLUMN`, which rewrites every
//! object that names the column — the table's CHECKs and keys, its indexes, other tables'
//! foreign keys, and views and triggers anywhere — even with `legacy_alter_table = ON` (that
//! setting only concerns renaming tables). A view that selects the column by name then shows
//! the new name, and what reads the old name from that view (a view on the view, a trigger)
//! is not rewritten: such a rename is refused in the plan, naming each (`through_views`).
//!
//! SQLite writes the new name bare over a bare token when the statement spells it bare, and
//! double-quoted otherwise; strata spells both names bare when they can be (`sql::name`), so
//! renaming back gives the user's text back. A token written `[name]`, `` `name` ``, in another
//! case, or a name that must be quoted, comes back double-quoted: the plan names each object
//! whose text the rollback would give back that way.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::RenameColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{Analyzer, Compiler, RULES};
use crate::connection::Session;
use crate::ddl::lexer::same_name;
use crate::ddl::refs::{mentions, spellings};
use crate::ddl::trigger;
use crate::ddl::{parse, rename};
use crate::sql::{ident, is_plain, name, string, table as qtable};

impl AnalyzeKind<RenameColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Analysis> {
        let session = self.counter.source;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
        let mut requoted = requoted_in_schema(&ctx, t, s);
        for (view, sql) in super::uses::views(session).await? {
            if mentions(&sql, 0, &t.name.name) && !spelled_back(&sql, s) {
                requoted.push(format!("view {view}"));
            }
        }
        let mut a = Analysis::of_table(t);
        let broken = match super::uses::live_column(&ctx, &s.column) {
            Some(live) => through_views(session, &t.name.name, &live).await?,
            None => Vec::new(),
        };
        if !broken.is_empty() {
            a.refusals.push(Refusal::new(
                RefusalKind::Dependents,
                format!(
                "column \"{}\" of \"{}\" is read through a view that shows it under its name: {}. \
             SQLite's RENAME COLUMN renames it in what names the table (so the view shows the \
             new name) but not in what reads the view, which would then read a column that no \
             longer exists (or, double-quoted, the text '{}'); change those first (a sql step)",
                s.column,
                t.name,
                broken
                    .iter()
                    .map(|(o, v)| format!("{o} (through view {v})"))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.column,
            ),
            ));
        }
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
}

impl CompileKind<RenameColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
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
}

/// The views and triggers that read `table.column` through a view showing it under its name,
/// each with that view. SQLite's RENAME COLUMN rewrites what names the table, so such a view
/// shows the new name afterwards (a `SELECT *` too, without a rewrite); what reads the old
/// name from the view is not rewritten. A view shows the column when it names the table, or a
/// view that shows it, and has a column of that name (`pragma_table_info`).
async fn through_views(
    session: &Session,
    table: &str,
    column: &str,
) -> Result<Vec<(String, String)>> {
    let objects: Vec<(String, String, String)> = session
        .rows(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') \
             AND sql IS NOT NULL ORDER BY name",
        )
        .await?
        .into_iter()
        .filter_map(|r| Some((r[0].clone()?, r[1].clone()?, r[2].clone()?)))
        .collect();
    let mut named = Vec::new();
    for (_, view, sql) in objects.iter().filter(|o| o.0 == "view") {
        // A view SQLite cannot read (broken already) shows nothing.
        let columns = session
            .rows(&format!(
                "SELECT name FROM pragma_table_info({})",
                string(view)
            ))
            .await
            .unwrap_or_default();
        if columns
            .iter()
            .any(|c| c[0].as_deref().is_some_and(|n| same_name(n, column)))
        {
            named.push((view.as_str(), sql.as_str()));
        }
    }
    let mut showing: Vec<&str> = Vec::new();
    loop {
        let more: Vec<&str> = named
            .iter()
            .filter(|(v, sql)| {
                !showing.contains(v)
                    && (mentions(sql, 0, table) || showing.iter().any(|w| mentions(sql, 0, w)))
            })
            .map(|(v, _)| *v)
            .collect();
        if more.is_empty() {
            break;
        }
        showing.extend(more);
    }
    let mut out = Vec::new();
    for (kind, name, sql) in &objects {
        if let Some(view) = showing
            .iter()
            .find(|v| **v != name && mentions(sql, 0, v) && mentions(sql, 0, column))
        {
            out.push((format!("{kind} {name}"), (*view).to_owned()));
        }
    }
    Ok(out)
}

/// Whether `text`, a token naming the column, comes back as it was written.
fn comes_back(text: &str, s: &RenameColumn) -> bool {
    (is_plain(&s.column) && is_plain(&s.to) && text == s.column) || text == ident(&s.column)
}

/// Whether every token of `sql` that could name the column comes back as it was written.
fn spelled_back(sql: &str, s: &RenameColumn) -> bool {
    spellings(sql, &s.column)
        .into_iter()
        .all(|text| comes_back(text, s))
}

/// The same for a trigger: the tokens SQLite rewrites where strata can place them, else
/// every token that could name the column.
fn trigger_spelled_back(sql: &str, s: &RenameColumn) -> bool {
    match trigger::column_refs(sql, &s.table.name, &s.column) {
        Ok(refs) => refs.into_iter().all(|r| comes_back(&sql[r], s)),
        Err(_) => spelled_back(sql, s),
    }
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
            if !trigger_spelled_back(&tr.definition, s) {
                out.push(format!("trigger {}", tr.name));
            }
        }
    }
    out
}

strata_core::golden_test!("rename_column");
