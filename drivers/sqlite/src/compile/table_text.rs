//! The text a rebuild starts from: the table's `CREATE TABLE` text as `sqlite_master` holds it
//! when the step runs (read live, or as `crate::simulate` predicts it after the migration's
//! earlier steps), with the texts of its indexes and triggers. Before a rebuild runs, a Check
//! compares them with what the engine holds, inside the migration's transaction: a table
//! changed since the plan (or by a `sql` step strata cannot follow) refuses the migration
//! instead of losing what strata did not know of.

use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::{Action, ActionKind, Result, Statement, StepContext, StepKind};
use strata_core::{Refusal, RefusalKind};

use crate::ddl::{parse, CreateTable};
use crate::rebuild::Rebuild;
use crate::sql::string;

/// `t`'s text, read; refused when strata does not know it or cannot read it.
pub fn rebuildable(t: &Table) -> Checked<CreateTable<'_>> {
    let Some(sql) = t.definition.as_deref().filter(|_| !t.definition_stale) else {
        return Err(Refusal::new(
            RefusalKind::Unsupported,
            format!(
                "the CREATE TABLE text of \"{}\" after the earlier steps of this migration is not \
             known, and SQLite's table rebuild starts from it; run this step in a migration of \
             its own",
                t.name
            ),
        ));
    };
    let parsed = parse(sql).map_err(|e| {
        Refusal::unsupported(format!(
            "strata cannot read the CREATE TABLE text of \"{}\" ({e}), which SQLite's table \
             rebuild starts from",
            t.name
        ))
    })?;
    let unknown = t
        .indexes
        .iter()
        .filter(|i| i.definition.is_empty())
        .map(|i| format!("index {}", i.name))
        .chain(
            t.triggers
                .iter()
                .filter(|tr| tr.definition.is_empty())
                .map(|tr| format!("trigger {}", tr.name)),
        )
        .collect::<Vec<_>>();
    if !unknown.is_empty() {
        return Err(Refusal::new(
            RefusalKind::Unsupported,
            format!(
                "the text of {} of \"{}\" after the earlier steps of this migration is not known, \
             and a rebuild re-creates it; run this step in a migration of its own",
                unknown.join(", "),
                t.name
            ),
        ));
    }
    Ok(parsed)
}

/// A count of the differences between what `sqlite_master` holds of `t` (its `CREATE TABLE`
/// text `text`, its indexes' and triggers' texts) and what it held when strata compiled the
/// step: 0 when they are the same.
fn texts_differ(t: &Table, text: &str) -> String {
    let name = &t.name.name;
    let expected: Vec<String> =
        std::iter::once(format!("('table', {}, {})", string(name), string(text)))
            .chain(
                t.indexes
                    .iter()
                    .map(|i| format!("('index', {}, {})", string(&i.name), string(&i.definition))),
            )
            .chain(t.triggers.iter().map(|tr| {
                format!(
                    "('trigger', {}, {})",
                    string(&tr.name),
                    string(&tr.definition)
                )
            }))
            .collect();
    let live = format!(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = {} COLLATE NOCASE \
         AND type IN ('table', 'index', 'trigger') AND sql IS NOT NULL",
        string(name)
    );
    differ(&expected.join(", "), &live)
}

/// A count of the rows of `live` not in the `VALUES` list `expected`, and the other way.
fn differ(expected: &str, live: &str) -> String {
    format!(
        "WITH expected AS (VALUES {expected}), live AS ({live}) \
         SELECT (SELECT COUNT(*) FROM (SELECT * FROM live EXCEPT SELECT * FROM expected)) \
         + (SELECT COUNT(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM live))"
    )
}

/// The same count on names only: `t`'s columns (the table's text being `text`), indexes and
/// triggers. A rename later in the migration, undone first, may give texts back in other
/// quotes (`RENAME TO` writes the name double-quoted); what the inverse would lose is a name.
fn names_differ(t: &Table, text: &CreateTable<'_>) -> String {
    let expected: Vec<String> = text
        .columns()
        .map(|(_, c)| format!("('column', {})", string(&c.name.value)))
        .chain(
            t.indexes
                .iter()
                .map(|i| format!("('index', {})", string(&i.name))),
        )
        .chain(
            t.triggers
                .iter()
                .map(|tr| format!("('trigger', {})", string(&tr.name))),
        )
        .collect();
    let name = string(&t.name.name);
    let live = format!(
        "SELECT 'column', name FROM pragma_table_xinfo({name}) UNION ALL \
         SELECT type, name FROM sqlite_master WHERE tbl_name = {name} COLLATE NOCASE \
         AND type IN ('index', 'trigger') AND sql IS NOT NULL"
    );
    differ(&expected.join(", "), &live)
}

/// A Check that `sqlite_master` holds exactly the texts of `t`, its indexes and its triggers
/// that the step was compiled from.
pub fn unchanged_since_plan(ctx: &StepContext<'_>, t: &Table, text: &str) -> Action {
    Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!(
            "{} and its indexes and triggers are as planned (SQLite rebuilds it from their text)",
            t.name
        ),
        Statement::Sql(texts_differ(t, text)),
        0,
        format!(
            "the CREATE TABLE text, indexes or triggers of {} are not those strata planned the \
             rebuild from (changed since the plan, or by an earlier `sql` step); nothing was \
             changed: plan again, or run this step in a migration of its own",
            t.name
        ),
    )
}

/// The undo guard of a rebuild to `new`: the inverse re-creates the table from its text before
/// the step, copying the columns and re-creating the indexes and triggers strata knew then, so
/// anything added since (a hotfix outside strata) would be dropped. Rollback refuses instead
/// unless the table is as the step left it: its exact texts, or, when a later step of the
/// migration renames something (and its undo may requote them), the same names.
fn unchanged_since_step(
    ctx: &StepContext<'_>,
    t: &Table,
    new: &CreateTable<'_>,
) -> (Statement, String) {
    let renamed_later = ctx.migration.steps.iter().any(|s| {
        s.index > ctx.step.index
            && matches!(s.kind, StepKind::RenameTable(_) | StepKind::RenameColumn(_))
    });
    let query = if renamed_later {
        names_differ(t, new)
    } else {
        texts_differ(t, new.sql)
    };
    (
        Statement::Sql(query),
        format!(
            "{}, its indexes or its triggers changed since the migration (a column, index or \
             trigger added outside strata?); the rollback re-creates the table from its text \
             before the step and would lose them: undo that change first, or roll back by hand",
            t.name
        ),
    )
}

/// The rebuild of `t` from its text `from` into `to` (columns computed by `forward`, the rest
/// copied by name), and its inverse: back to exactly `from`, columns computed by `back`.
/// Preceded by the Check that `from` is what the engine holds.
pub fn rebuild(
    ctx: &StepContext<'_>,
    t: &Table,
    from: &CreateTable<'_>,
    to: &str,
    forward: &[(String, String)],
    back: &[(String, String)],
    description: String,
) -> Result<(Action, Action)> {
    let sql = Rebuild {
        table: t,
        from,
        to,
        values: forward,
    }
    .statements()
    .map_err(|m| ctx.error(m))?;
    let new = parse(to).map_err(|e| {
        ctx.error(format!(
            "strata's new text for {} does not read back: {e}",
            t.name
        ))
    })?;
    let inverse = Rebuild {
        table: t,
        from: &new,
        to: from.sql,
        values: back,
    }
    .statements()
    .map_err(|m| ctx.error(m))?;
    let (guard, failure) = unchanged_since_step(ctx, t, &new);
    Ok((
        unchanged_since_plan(ctx, t, from.sql),
        Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            description,
            Statement::Sql(sql),
        )
        .with_inverse(Statement::Sql(inverse))
        .with_undo_guard(guard, failure),
    ))
}

/// The table and its text for a step that rebuilds it over `column`, which must be one of its
/// ordinary columns: a generated column is computed by SQLite, and strata leaves it as it is.
pub fn rebuildable_column<'a>(
    ctx: &StepContext<'a>,
    table: &strata_core::QualifiedName,
    column: &str,
) -> Checked<(&'a Table, CreateTable<'a>)> {
    let t = super::RULES.table(ctx.snapshot, table)?;
    let text = rebuildable(t)?;
    if text.column(column).is_some_and(|(_, c)| c.generated()) {
        return Err(Refusal::new(
            RefusalKind::Unsupported,
            format!(
            "column \"{column}\" of \"{}\" is a generated column (GENERATED ALWAYS AS …), which \
             strata does not change",
            t.name
        ),
        ));
    }
    strata_core::preflight::find_column(t, column)?;
    Ok((t, text))
}
