//! The actions every SQL engine describes the same way, over the dialect's own SQL: the check
//! that no value fails a type change, the check that no key repeats before a unique key is
//! built, `ADD COLUMN` with its inverse, and the query of a backup keyed by the primary key.

use strata_core::schema::Table;
use strata_core::steps::{AddColumn, ChangeType};
use strata_core::{Action, ActionKind, Statement, StepContext};

use crate::Dialect;

/// The check, right before `change_type` step `s` converts `column` of `t` with
/// `on_incompatible = "fail"`, that no value fails: `count_sql` counts those that do.
pub fn unconverted_check(
    step: usize,
    t: &Table,
    column: &str,
    s: &ChangeType,
    count_sql: String,
) -> Action {
    Action::check(
        step,
        ActionKind::Check,
        format!(
            "no value of {}.{column} fails to convert to {}",
            t.name, s.to
        ),
        Statement::Sql(count_sql),
        0,
        format!(
            "values of {}.{column} will not convert to {} (on_incompatible = \"fail\")",
            t.name, s.to
        ),
    )
}

/// The verification, after `change_type` converted `column` of `t`, that every value is its
/// backed-up original converted: `differences_sql` counts the rows that are not.
pub fn converted_check(step: usize, t: &Table, column: &str, differences_sql: String) -> Action {
    Action::check(
        step,
        ActionKind::Verify,
        format!(
            "verify every value of {}.{column} against its original",
            t.name
        ),
        Statement::Sql(differences_sql),
        0,
        format!(
            "{}.{column} does not hold the converted values of its originals",
            t.name
        ),
    )
}

/// The key `columns` of the rows aliased `c`: `c.a, c.b` (to group by) and
/// `c.a IS NOT NULL AND c.b IS NOT NULL` (a key with a NULL repeats nothing).
pub fn key_parts<D: Dialect>(columns: &[String]) -> (String, String) {
    let cols: Vec<String> = columns
        .iter()
        .map(|c| format!("c.{}", D::ident(c)))
        .collect();
    let present: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    (cols.join(", "), present.join(" AND "))
}

/// The check, right before a unique key on `columns` of `t` is built, that no key repeats:
/// `count_sql` counts the repeated keys (see [`key_parts`]).
pub fn repeated_keys_check(
    ctx: &StepContext<'_>,
    t: &Table,
    columns: &[String],
    count_sql: String,
) -> Action {
    Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!("no key of {}({}) repeats", t.name, columns.join(", ")),
        Statement::Sql(count_sql),
        0,
        format!(
            "rows of {} share a key of ({}), which must become unique",
            t.name,
            columns.join(", ")
        ),
    )
}

/// `ALTER TABLE … ADD COLUMN definition` for `add_column` step `s` on `t`, undone by
/// `drop_sql`.
pub fn add_column<D: Dialect>(
    ctx: &StepContext<'_>,
    t: &Table,
    s: &AddColumn,
    definition: &str,
    drop_sql: String,
) -> Action {
    Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("add column {}.{}", t.name, s.column),
        Statement::Sql(format!(
            "ALTER TABLE {} ADD COLUMN {definition}",
            D::table(&t.name)
        )),
    )
    .with_inverse(Statement::Sql(drop_sql))
}

/// The columns a keyed backup of `extra` (columns of `t`) keeps: the primary key, then the
/// others.
pub fn keyed_columns(t: &Table, extra: &[String]) -> Vec<String> {
    let mut cols: Vec<String> = t.primary_key.clone();
    cols.extend(extra.iter().filter(|c| !t.primary_key.contains(c)).cloned());
    cols
}

/// `SELECT c.pk…, c.extra… FROM t c [WHERE filter]`: the query of a backup of `extra` keyed
/// by the primary key (see [`keyed_columns`]).
pub fn select_keyed<D: Dialect>(t: &Table, extra: &[String], filter: Option<&str>) -> String {
    let cols: Vec<String> = keyed_columns(t, extra)
        .iter()
        .map(|c| format!("c.{}", D::ident(c)))
        .collect();
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    format!(
        "SELECT {} FROM {} c{filter}",
        cols.join(", "),
        D::table(&t.name)
    )
}

/// The check, right before `column` of `t` is set NOT NULL without a usable `fill`, that it
/// holds no NULL.
pub fn no_nulls_check<D: Dialect>(step: usize, t: &Table, column: &str) -> Action {
    Action::check(
        step,
        ActionKind::Check,
        format!("{}.{column} holds no NULL", t.name),
        Statement::Sql(format!(
            "SELECT {} FROM {} WHERE {} IS NULL",
            D::COUNT,
            D::table(&t.name),
            D::ident(column)
        )),
        0,
        format!(
            "rows of {} hold NULL in \"{column}\" and the step has no usable `fill`",
            t.name
        ),
    )
}

/// The verification after a backfill of `t` that no row backed up to `bak` (keyed by the
/// primary key) still matches the backfill's `predicate` (on rows aliased `c`).
pub fn backfilled_check<D: Dialect>(
    ctx: &StepContext<'_>,
    t: &Table,
    bak: &strata_core::QualifiedName,
    predicate: &str,
) -> Action {
    Action::check(
        ctx.step.index,
        ActionKind::Verify,
        format!("verify every backed-up row of {} was backfilled", t.name),
        Statement::Sql(format!(
            "SELECT {} FROM {} c JOIN {} b ON {} WHERE {predicate}",
            D::COUNT,
            D::table(&t.name),
            D::table(bak),
            D::join_on("c", "b", &t.primary_key)
        )),
        0,
        format!("rows of {} still match the backfill's filter", t.name),
    )
}

/// The elements of the `CREATE TABLE` of step `s`: each column as `column` defines it, then
/// the primary key.
pub fn table_elements<D: Dialect>(
    s: &strata_core::steps::CreateTable,
    column: impl Fn(&strata_core::steps::ColumnSpec) -> String,
) -> Vec<String> {
    let mut elements: Vec<String> = s.columns.iter().map(column).collect();
    let key = s.primary_key();
    if !key.is_empty() {
        elements.push(format!("PRIMARY KEY ({})", D::idents(&key)));
    }
    elements
}
