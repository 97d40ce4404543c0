//! `drop_column` on MySQL: back up `(primary key, column)`, `DROP COLUMN` (online). Rollback
//! adds the column back at its position with its exact definition and the indexes that
//! covered it, then the backup's inverse restores every value.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight;
use strata_core::steps::DropColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{
    backup, column_absent, column_exists, dependents, online, position, referencing_keys,
    select_keyed, Analyzer, Checked, Compiler, ONLINE,
};
use crate::sql::{ident, join_on, table as qtable};

pub(super) fn check<'a>(
    ctx: &StepContext<'a>,
    s: &DropColumn,
) -> Checked<&'a strata_core::schema::Table> {
    let (t, _) = s.preflight(ctx.snapshot, &super::RULES)?;
    if let Some(fk) = t
        .constraints
        .iter()
        .find(|c| c.references.is_some() && c.columns.contains(&s.column))
    {
        return Err(Refusal::new(
            RefusalKind::Dependents,
            format!(
                "column \"{}\" is part of foreign key {}; drop it first with drop_foreign_key",
                s.column, fk.name
            ),
        ));
    }
    let generated = super::change_type::generated_from(t, &s.column);
    if !generated.is_empty() {
        return Err(Refusal::new(
            RefusalKind::Dependents,
            format!(
                "generated column {} is computed from \"{}\"; drop it first",
                generated.join(", "),
                s.column
            ),
        ));
    }
    Ok(t)
}

impl AnalyzeKind<DropColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(check(&ctx, s));
        let mut dependents = referencing_keys(counter.source, t, &s.column).await?;
        dependents.extend(dependents::naming_column(counter.source, t, &s.column).await?);
        if !dependents.is_empty() {
            return Ok(Analysis::refused(preflight::dependents_refusal(
                &dependents,
                &s.column,
            )));
        }
        let mut a = Analysis::of_table(t);
        for (i, shrunk) in shrunk_indexes(t, &s.column) {
            a.warnings
                .extend(super::implicit_indexes::warnings(t, &shrunk, &i.name));
        }
        a.findings
            .push(strata_sql::dropped_values_finding(counter, &ctx, s, t).await?);
        Ok(a)
    }
}

/// For a column that does not come back as it was (NOT NULL, or a default): the check that it
/// is there to drop, whose inverse gives it its exact `definition` again once the backup's
/// values are back (it runs after the restore on rollback). The column comes back NULL-able and
/// without its default, so that re-adding it fills every row with NULL: neither a value strict
/// mode refuses (a zero date) nor one that repeats in its unique keys (its default).
pub(super) fn definition_back(
    step: usize,
    t: &strata_core::schema::Table,
    c: &strata_core::schema::Column,
    definition: &str,
) -> Option<Action> {
    let plain =
        c.nullable && (!definition.contains(" DEFAULT ") || definition.contains(" DEFAULT NULL"));
    (!plain).then(|| {
        Action::check(
            step,
            ActionKind::Check,
            format!("column {}.{} is there to drop", t.name, c.name),
            Statement::Sql(column_exists(&t.name.name, &c.name)),
            1,
            format!("{}.{} is gone", t.name, c.name),
        )
        .outside_transaction()
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {} MODIFY COLUMN {definition}",
            qtable(&t.name)
        )))
    })
}

/// `DROP INDEX i, ADD <definition>` (or just `ADD`) for each index covering `column`: MySQL
/// drops a one-column index with its column and shrinks a wider one.
pub fn restore_indexes(t: &strata_core::schema::Table, column: &str) -> Vec<String> {
    t.indexes
        .iter()
        .filter(|i| i.columns.iter().any(|c| c == column))
        .map(|i| {
            if i.columns.len() > 1 {
                format!("DROP INDEX {}, ADD {}", ident(&i.name), i.definition)
            } else {
                format!("ADD {}", i.definition)
            }
        })
        .collect()
}

impl CompileKind<DropColumn> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(check(&ctx, s))?;
        let c = t.column(&s.column).expect("checked");
        let (tbl, col) = (qtable(&t.name), ident(&c.name));
        let mut actions = Vec::new();
        if s.backup {
            let definition = ctx.checked(super::exact_definition(c))?;
            actions.extend(definition_back(ctx.step.index, t, c, &definition));
        }
        if s.backup {
            let bak = ctx.backup_name(&t.name, Some(&c.name));
            let (select, columns) = select_keyed(t, std::slice::from_ref(&c.name), None);
            actions.extend(backup(
                &ctx,
                &bak,
                &select,
                &columns,
                &format!("{}.{} with its keys", t.name, c.name),
                format!(
                    "UPDATE {tbl} t JOIN {} b ON {} SET t.{col} = b.{col}",
                    qtable(&bak),
                    join_on("t", "b", &t.primary_key)
                ),
            ));
        }
        let mut drop = Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            online(format!("drop column {}.{}", t.name, c.name)),
            Statement::Sql(format!("ALTER TABLE {tbl} DROP COLUMN {col}{ONLINE}")),
        )
        .destructive()
        .outside_transaction()
        .with_probe(Statement::Sql(column_absent(&t.name.name, &c.name)));
        if s.backup {
            let definition = ctx.checked(super::exact_definition(c))?;
            let definition = super::with_default(&super::with_nullability(&definition, true), None);
            let mut clauses = vec![format!("ADD COLUMN {definition} {}", position(t, &c.name))];
            clauses.extend(restore_indexes(t, &c.name));
            // The server drops the CHECKs that name the column with it.
            clauses.extend(
                super::change_type::checks_naming(t, &c.name)
                    .map(|k| format!("ADD {}", k.definition)),
            );
            drop = drop
                .with_inverse(Statement::Sql(format!(
                    "ALTER TABLE {tbl} {}",
                    clauses.join(", ")
                )))
                .with_undo_probe(Statement::Sql(column_exists(&t.name.name, &c.name)));
        }
        actions.push(drop);
        // An index that loses the column may come to serve a foreign key whose index the server
        // made itself, which the server then drops without a word: rollback re-creates that index
        // before it puts the wider one back (which would fail otherwise, error 1553: the key needs
        // it). Generative case 7643533957717714795.
        for (i, shrunk) in shrunk_indexes(t, &c.name) {
            actions.extend(super::implicit_indexes::kept(&ctx, t, &shrunk, &i.name));
        }
        Ok(actions)
    }
}

/// The indexes of `t` on `column` and others, each with the columns it keeps once `column` is
/// dropped.
fn shrunk_indexes<'a>(
    t: &'a strata_core::schema::Table,
    column: &str,
) -> Vec<(&'a strata_core::schema::Index, Vec<String>)> {
    t.indexes
        .iter()
        .filter(|i| i.columns.len() > 1 && i.columns.iter().any(|c| c == column))
        .map(|i| {
            (
                i,
                i.columns.iter().filter(|c| *c != column).cloned().collect(),
            )
        })
        .collect()
}

strata_core::golden_test!("drop_column");
