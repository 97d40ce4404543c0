//! `rename_column` on MySQL. Rollback renames back.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::RenameColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::rename_table::swapped;
use super::{column_absent, column_exists, dependents, Analyzer, Compiler};
use crate::connection::Flavor;
use crate::sql::{ident, renamed_ident, table as qtable};

impl AnalyzeKind<RenameColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        // Views and trigger bodies keep the old name in their text and break; foreign keys and
        // indexes the server renames itself.
        let users = dependents::naming_column(counter.source, t, &s.column).await?;
        if !users.is_empty() {
            return Ok(Analysis::refused(Refusal::new(RefusalKind::Unsupported, format!(
            "{} name column \"{}\" and would break: MySQL does not rewrite views or triggers when a column is renamed; drop them first (sql step) and re-create them after",
            users.join(", "),
            s.column
        ))));
        }
        Ok(Analysis::of_table(t))
    }
}

/// `ALTER TABLE … RENAME COLUMN from TO to`; on MariaDB, when a CHECK names the column,
/// guarded against a bug of MariaDB 10.11. Once a query has opened the table for the first
/// time after a change under an alias (`SELECT c.x FROM t c`, as pre-flight counts and
/// backups do), the server refuses every `RENAME COLUMN` of a column a CHECK names ("Unknown
/// column … in 'CHECK'"), from every session, until the table's cached definition is
/// reopened. A rename of the column to itself reopens it and changes nothing; should the
/// rename still meet the error, `carried` (one `ALTER` that drops those CHECKs and adds them
/// again with the new name, which the bug does not touch, but which copies the table) runs
/// in its place.
fn rename(tbl: &str, flavor: Flavor, from: &str, to: &str, carried: Option<String>) -> String {
    let (f, t) = (ident(from), ident(to));
    let rename = format!("ALTER TABLE {tbl} RENAME COLUMN {f} TO {t}");
    match carried {
        Some(carried) if flavor == Flavor::MariaDb => format!(
            "BEGIN NOT ATOMIC DECLARE EXIT HANDLER FOR 1054 {carried}; \
             ALTER TABLE {tbl} RENAME COLUMN {f} TO {f}; {rename}; END"
        ),
        _ => rename,
    }
}

/// The rename of `from` to `to` as one `ALTER` that carries every CHECK naming the column
/// through it, and the same for the way back: the columns whose own CHECK names it (a
/// MariaDB JSON column's `json_valid`) changed with their definition rewritten, and the
/// table CHECKs from the first that names it on dropped and added again in their order, so
/// the server lists them as before. The way back writes the definitions read before the
/// rename, exactly. `None` when no CHECK names the column.
pub(crate) fn carried<'a>(
    t: &'a Table,
    tbl: &str,
    from: &'a str,
    to: &'a str,
) -> Option<(String, String)> {
    let moved = |name: &'a str| {
        if name.eq_ignore_ascii_case(from) {
            to
        } else {
            name
        }
    };
    let (mut drops, mut forward, mut back, mut adds, mut adds_back) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut own = false;
    for c in &t.columns {
        let Some(d) = c.definition.as_deref().filter(|d| d.contains(" CHECK (")) else {
            continue;
        };
        let renamed = renamed_ident(d, from, to);
        if renamed != d {
            own |= c.name.eq_ignore_ascii_case(from);
            forward.push(format!("CHANGE COLUMN {} {renamed}", ident(&c.name)));
            back.push(format!("CHANGE COLUMN {} {d}", ident(moved(&c.name))));
        }
    }
    let checks: Vec<_> = t.checks().collect();
    let first = checks
        .iter()
        .position(|c| renamed_ident(&c.definition, from, to) != c.definition);
    for c in &checks[first.unwrap_or(checks.len())..] {
        drops.push(format!("DROP CONSTRAINT {}", ident(&c.name)));
        adds.push(format!("ADD {}", renamed_ident(&c.definition, from, to)));
        adds_back.push(format!("ADD {}", c.definition));
    }
    if forward.is_empty() && drops.is_empty() {
        return None;
    }
    if !own {
        forward.push(format!("RENAME COLUMN {} TO {}", ident(from), ident(to)));
        back.push(format!("RENAME COLUMN {} TO {}", ident(to), ident(from)));
    }
    let alter = |middle: Vec<String>, adds: Vec<String>| {
        let clauses: Vec<String> = drops.iter().cloned().chain(middle).chain(adds).collect();
        format!("ALTER TABLE {tbl} {}", clauses.join(", "))
    };
    Some((alter(forward, adds), alter(back, adds_back)))
}

impl CompileKind<RenameColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
        let flavor = self.flavor;
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let (tbl, name) = (qtable(&t.name), &t.name.name);
        let (carried, carried_back) = carried(t, &tbl, &s.column, &s.to).unzip();
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("rename column {}.{} to {}", t.name, s.column, s.to),
            Statement::Sql(rename(&tbl, flavor, &s.column, &s.to, carried)),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(swapped(
            column_exists(name, &s.to),
            column_absent(name, &s.column),
        )))
        .with_inverse(Statement::Sql(rename(
            &tbl,
            flavor,
            &s.to,
            &s.column,
            carried_back,
        )))
        .with_undo_probe(Statement::Sql(swapped(
            column_exists(name, &s.column),
            column_absent(name, &s.to),
        )))])
    }
}

strata_core::golden_test!("rename_column");
