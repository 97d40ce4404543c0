//! Steps → actions on MySQL / MariaDB, one file per step kind (analysis and compilation side
//! by side, sharing one check function).
//!
//! Without transactional DDL every action must survive the runner dying around it:
//! - a DDL action is one atomic statement with a done probe on `information_schema`, and its
//!   inverse has an undo probe, so neither runs twice;
//! - a DML action (backup fills, fills, deletes, restores) commits in one transaction with its
//!   journal entry (`transactional = true`);
//! - a backup is three actions: create the empty copy (DDL), fill it (DML) — whose inverse
//!   puts the data back — and verify it.

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_unique;
mod assert;
mod backfill;
mod change_type;
mod create_table;
mod defaults;
mod dependents;

pub(crate) use dependents::names;

mod drop_column;
mod drop_foreign_key;
mod drop_index;
mod drop_table;
#[cfg(test)]
mod golden;
mod implicit_indexes;
pub use implicit_indexes::superseded;
pub(crate) use rename_column::carried;
mod drop_default;
mod drop_not_null;
mod nullability;
mod rename_column;
mod rename_table;
mod set_default;
mod set_not_null;
mod sql;

use strata_core::preflight::{Checked, Rules};
use strata_core::schema::{Column, Table};
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use crate::connection::{Flavor, Session};
use crate::sql::{ident, idents, string, table as qtable};
use strata_sql::examples;

/// The fused counter over the driver's session.
pub type Counter<'a> = strata_core::counter::Counter<'a, Session>;

/// What MySQL's analysis of a step reads: the counter, recording and then fused.
pub struct Analyzer<'a> {
    counter: &'a Counter<'a>,
}

/// What MySQL's compilation of a step reads: the server's flavor (MySQL or MariaDB).
pub struct Compiler {
    flavor: Flavor,
}

/// Compiles one step.
pub fn compile(ctx: StepContext<'_>, flavor: Flavor) -> Result<Vec<Action>> {
    strata_core::driver::compile_step(&Compiler { flavor }, ctx)
}

/// Analyzes steps on the live data, the counts on each table fused into one scan.
pub async fn analyze_all(session: &Session, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
    let recorder = Counter::recording(session);
    for ctx in steps {
        let _ = analyze(&recorder, *ctx).await;
    }
    let counter = recorder.fused().await;
    let mut out = Vec::with_capacity(steps.len());
    for ctx in steps {
        out.push(analyze(&counter, *ctx).await);
    }
    out
}

async fn analyze(counter: &Counter<'_>, ctx: StepContext<'_>) -> Result<Analysis> {
    strata_core::driver::analyze_step(&Analyzer { counter }, ctx).await
}

/// What MySQL allows in names.
pub const RULES: Rules = Rules {
    engine: "MySQL",
    max_name: 64,
    name_in_bytes: false,
    schemas: false,
    row_ids: false,
    forbidden: forbidden_name,
};

/// What MySQL and MariaDB do not take in a name: a trailing space (the server refuses it:
/// "Incorrect table name") and characters beyond U+FFFF (identifiers are limited to the Basic
/// Multilingual Plane).
fn forbidden_name(_what: &str, name: &str) -> Option<String> {
    if name.ends_with(' ') {
        return Some("MySQL does not allow a name to end with a space".into());
    }
    name.chars().find(|c| u32::from(*c) > 0xFFFF).map(|c| {
        format!(
            "MySQL names hold only characters up to U+FFFF, not {c:?} (U+{:X})",
            u32::from(c)
        )
    })
}

fn refused(reason: strata_core::Refusal) -> Analysis {
    Analysis::refused(reason)
}

fn sized(t: &Table) -> Analysis {
    Analysis::of_table(t)
}

fn find_table_column<'a>(
    ctx: &StepContext<'a>,
    table: &strata_core::QualifiedName,
    column: &str,
) -> Checked<(&'a Table, &'a Column)> {
    RULES.table_column(ctx.snapshot, table, column)
}

pub(crate) use create_table::default_clause;
pub(crate) use defaults::with_default;
pub(crate) use nullability::with_nullability;

/// The column's definition as `SHOW CREATE TABLE` gives it (`` `c` int(11) NOT NULL ``).
pub(crate) fn column_line(c: &Column) -> String {
    column_definition(c)
}

/// The column's definition as `SHOW CREATE TABLE` gives it (`` `c` int(11) NOT NULL ``).
fn column_definition(c: &Column) -> String {
    // The definition starts with the name the column had when it was read; an earlier step of
    // the migration may have renamed it.
    let read = c.definition.as_deref().and_then(|d| {
        crate::inspect::quoted(d).map(|(_, rest)| format!("{}{rest}", ident(&c.name)))
    });
    read.unwrap_or_else(|| {
        let null = if c.nullable { "NULL" } else { "NOT NULL" };
        format!("{} {} {null}", ident(&c.name), c.native_type)
    })
}

/// The column's definition as it was read, for an exact inverse; refused for a column an
/// earlier step of the same migration changed, whose exact definition strata cannot know.
fn exact_definition(c: &Column) -> Checked<String> {
    if c.definition.is_none() {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "column \"{}\" is changed by an earlier step of this migration; on MySQL put this change in a separate migration, so strata can read the column's exact definition for the rollback",
            c.name
        )));
    }
    Ok(column_definition(c))
}

/// `AFTER `prev`` or `FIRST`: where a column goes back.
fn position(t: &Table, column: &str) -> String {
    let i = t.columns.iter().position(|c| c.name == column).unwrap_or(0);
    match i.checked_sub(1).and_then(|p| t.columns.get(p)) {
        Some(prev) => format!("AFTER {}", ident(&prev.name)),
        None => "FIRST".into(),
    }
}

/// The clause that makes an ALTER online. The driver retries without it when the server
/// refuses the algorithm for this change, and the plan says so.
pub const ONLINE: &str = ", ALGORITHM=INPLACE, LOCK=NONE";

/// What the plan says about an online ALTER.
fn online(description: String) -> String {
    format!("{description} (online: ALGORITHM=INPLACE, LOCK=NONE; falls back to a locking copy if the server refuses)")
}

fn catalog(table: &str, filter: &str) -> String {
    format!("FROM information_schema.{table} WHERE TABLE_SCHEMA = DATABASE() AND {filter}")
}

/// 1 when the table exists.
fn table_exists(name: &str) -> String {
    format!(
        "SELECT COUNT(*) {}",
        catalog("TABLES", &format!("TABLE_NAME = {}", string(name)))
    )
}

/// 1 when the table does not exist.
fn table_absent(name: &str) -> String {
    format!(
        "SELECT 1 - COUNT(*) {}",
        catalog("TABLES", &format!("TABLE_NAME = {}", string(name)))
    )
}

fn column_filter(table: &str, column: &str) -> String {
    catalog(
        "COLUMNS",
        &format!(
            "TABLE_NAME = {} AND COLUMN_NAME = {}",
            string(table),
            string(column)
        ),
    )
}

/// 1 when the column exists.
fn column_exists(table: &str, column: &str) -> String {
    format!("SELECT COUNT(*) {}", column_filter(table, column))
}

/// 1 when the column does not exist.
fn column_absent(table: &str, column: &str) -> String {
    format!("SELECT 1 - COUNT(*) {}", column_filter(table, column))
}

/// 1 when the column's nullability is `nullable`.
fn column_nullable_is(table: &str, column: &str, nullable: bool) -> String {
    format!(
        "SELECT COUNT(*) {} AND IS_NULLABLE = {}",
        column_filter(table, column),
        string(if nullable { "YES" } else { "NO" })
    )
}

fn index_filter(table: &str, index: &str) -> String {
    catalog(
        "STATISTICS",
        &format!(
            "TABLE_NAME = {} AND INDEX_NAME = {}",
            string(table),
            string(index)
        ),
    )
}

/// 1 when the index exists.
fn index_exists(table: &str, index: &str) -> String {
    format!("SELECT LEAST(COUNT(*), 1) {}", index_filter(table, index))
}

/// 1 when the index does not exist.
fn index_absent(table: &str, index: &str) -> String {
    format!(
        "SELECT 1 - LEAST(COUNT(*), 1) {}",
        index_filter(table, index)
    )
}

fn constraint_filter(table: &str, name: &str) -> String {
    catalog(
        "TABLE_CONSTRAINTS",
        &format!(
            "TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
            string(table),
            string(name)
        ),
    )
    .replace("TABLE_SCHEMA", "CONSTRAINT_SCHEMA")
}

/// 1 when the constraint exists.
fn constraint_exists(table: &str, name: &str) -> String {
    format!("SELECT COUNT(*) {}", constraint_filter(table, name))
}

/// 1 when the constraint does not exist.
fn constraint_absent(table: &str, name: &str) -> String {
    format!("SELECT 1 - COUNT(*) {}", constraint_filter(table, name))
}

/// An order-independent fingerprint of `columns` of the rows of `from` (a table or a
/// parenthesized query): row count and two sums of 60-bit slices of each row's MD5.
fn fingerprint(from: &str, columns: &[String]) -> String {
    // QUOTE, not JSON_ARRAY: MariaDB embeds a column with a json_valid CHECK as JSON, and
    // the same text in the backup's plain LONGTEXT column as a string, so equal rows hashed
    // differently. QUOTE gives every value (NULL included) one text, whatever the column.
    // Each half of the hash is summed as an integer (exact DECIMAL): CONV returns text, which
    // SUM adds as DOUBLE, and rounding then depends on the order the rows are read in (a
    // backup keyed on the table's key and a source read through another index differed).
    let row = format!(
        "MD5(CONCAT_WS(',', {}))",
        columns
            .iter()
            .map(|c| format!("QUOTE(f.{})", ident(c)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    format!(
        "(SELECT COUNT(*) AS n, COALESCE(SUM(CAST(CONV(SUBSTRING({row}, 1, 15), 16, 10) AS UNSIGNED)), 0) AS h1, \
         COALESCE(SUM(CAST(CONV(SUBSTRING({row}, 16, 15), 16, 10) AS UNSIGNED)), 0) AS h2 FROM {from} f)"
    )
}

/// A backup in three resumable actions: create the empty copy (DDL, probed), fill it (DML,
/// journaled in its transaction; its inverse is `restore`, which puts the data back on
/// rollback), and verify it (row count and content hash against the source).
fn backup(
    ctx: &StepContext<'_>,
    backup: &QualifiedName,
    select: &str,
    columns: &[String],
    what: &str,
    restore: String,
) -> Vec<Action> {
    let step = ctx.step.index;
    let bak = qtable(backup);
    vec![
        Action::new(
            step,
            ActionKind::Backup,
            format!("create the backup table {backup} for {what}"),
            Statement::Sql(format!("CREATE TABLE {bak} AS {select} LIMIT 0")),
        )
        .with_inverse(Statement::Sql(format!("DROP TABLE IF EXISTS {bak}")))
        .with_probe(Statement::Sql(table_exists(&backup.name)))
        .creates_backup(backup.to_string())
        .outside_transaction(),
        Action::new(
            step,
            ActionKind::Backup,
            format!("back up {what} to {backup}"),
            Statement::Sql(format!("INSERT INTO {bak} {select}")),
        )
        .with_inverse(Statement::Sql(restore)),
        Action::check(
            step,
            ActionKind::Verify,
            format!("verify backup {backup} (rows and content hash)"),
            Statement::Sql(format!(
                "SELECT NOT (a.n <=> b.n AND a.h1 <=> b.h1 AND a.h2 <=> b.h2) FROM {} a, {} b",
                fingerprint(&format!("({select})"), columns),
                fingerprint(&bak, columns)
            )),
            0,
            format!("the backup {backup} does not match {what}"),
        ),
    ]
}

/// A [`backup`] with a primary key on `key`, for batches that walk it in key order (and
/// for its restore's join); `then` runs in the fill's statement after the copy.
#[allow(clippy::too_many_arguments)]
fn keyed_backup(
    ctx: &StepContext<'_>,
    backup_name: &QualifiedName,
    select: &str,
    columns: &[String],
    key: &[String],
    what: &str,
    restore: String,
    then: &str,
) -> Vec<Action> {
    let mut actions = backup(ctx, backup_name, select, columns, what, restore);
    actions[0].forward = Statement::Sql(format!(
        "CREATE TABLE {} (PRIMARY KEY ({})) AS {select} LIMIT 0",
        qtable(backup_name),
        idents(key)
    ));
    if let Statement::Sql(fill) = &mut actions[1].forward {
        fill.push_str("; ");
        fill.push_str(then);
    }
    actions
}

/// The columns of `SELECT "pk…", extra… FROM t c [WHERE …]`, and the query.
fn select_keyed(t: &Table, extra: &[String], filter: Option<&str>) -> (String, Vec<String>) {
    let mut cols: Vec<String> = t.primary_key.clone();
    cols.extend(extra.iter().filter(|c| !t.primary_key.contains(c)).cloned());
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    (
        format!(
            "SELECT {} FROM {} c{filter}",
            cols.iter()
                .map(|c| format!("c.{}", ident(c)))
                .collect::<Vec<_>>()
                .join(", "),
            qtable(&t.name)
        ),
        cols,
    )
}

/// Foreign keys of other tables that reference one column (`foreign key fk on t`).
async fn referencing_keys(session: &Session, t: &Table, column: &str) -> Result<Vec<String>> {
    Ok(session
        .texts(&format!(
            "SELECT CONCAT('foreign key ', CONSTRAINT_NAME, ' on ', TABLE_NAME) FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = {} AND REFERENCED_COLUMN_NAME = {} AND TABLE_NAME <> {}",
            string(&t.name.name),
            string(column),
            string(&t.name.name)
        ))
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// The referenced columns of a `FOREIGN KEY … REFERENCES `t` (`a`, `b`)` definition.
pub fn referenced_columns(definition: &str) -> Vec<String> {
    let Some(rest) = definition.split(" REFERENCES ").nth(1) else {
        return Vec::new();
    };
    let Some(list) = rest
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(l, _)| l)
    else {
        return Vec::new();
    };
    list.split(',')
        .map(|c| c.trim().trim_matches('`').replace("``", "`"))
        .collect()
}

/// Child rows (aliased `c`) whose complete key has no parent.
pub fn orphan_filter(parent: &Table, columns: &[String], references: &[String]) -> String {
    QUOTING.orphan_filter(&parent.name, columns, references)
}

/// How many child rows reference no parent row.
pub fn orphan_count_sql(
    child: &Table,
    parent: &Table,
    columns: &[String],
    references: &[String],
) -> String {
    format!(
        "SELECT COUNT(*) FROM {} c WHERE {}",
        qtable(&child.name),
        orphan_filter(parent, columns, references)
    )
}

fn idents_of(columns: &[String]) -> String {
    idents(columns)
}

/// How this driver quotes names, for core's shared SQL.
const QUOTING: strata_core::writes::Quoting = strata_core::writes::Quoting {
    ident,
    table: qtable,
};

/// Refuses, in the plan, a write of `writes` into the rows `filter` selects that a UNIQUE key,
/// a foreign key or a CHECK of `t` would stop half way (see `strata_core::writes`).
async fn refuse_conflicts(
    counter: &Counter<'_>,
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
    a: &mut Analysis,
) -> Result<()> {
    strata_core::writes::refuse(counter, all_conflicts(ctx, t, writes, filter), a).await
}

/// The keys a write would break (core's counts) and the CHECKs of `t` it would break: each
/// table CHECK and column CHECK (a JSON column's `json_valid`) that names a written column,
/// evaluated with the written values in the rows the write changes (`IS FALSE`: a CHECK that
/// is unknown holds).
fn all_conflicts(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<strata_core::writes::Conflict> {
    let mut out = strata_core::writes::conflicts(ctx.snapshot, t, writes, filter, QUOTING);
    let table_checks = t
        .constraints
        .iter()
        .filter(|k| k.kind == strata_core::schema::ConstraintKind::Check)
        .map(|k| (k.name.clone(), k.definition.clone()));
    let column_checks = t.columns.iter().filter_map(|c| {
        let d = c.definition.as_deref()?;
        d.find(" CHECK (").map(|at| {
            (
                format!("the CHECK of column {}", c.name),
                d[at..].to_owned(),
            )
        })
    });
    for (name, definition) in table_checks.chain(column_checks) {
        let Some(body) = definition
            .find("CHECK (")
            .map(|at| &definition[at + "CHECK ".len()..])
        else {
            continue;
        };
        let mut expr = body.to_owned();
        for (column, value) in writes {
            expr = expr.replace(&ident(column), &format!("({value})"));
        }
        if expr == body {
            continue;
        }
        out.push(strata_core::writes::Conflict {
            count: format!(
                "SELECT COUNT(*) FROM {} c WHERE ({}) AND ({expr}) IS FALSE",
                qtable(&t.name),
                filter.unwrap_or("TRUE")
            ),
            refusal: format!(
                "the value written into {} breaks {name} of \"{}\" ({body})",
                writes
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.name
            ),
        });
    }
    out
}

/// The same counts as checks right before the write, for a table the plan could not count.
fn conflict_checks(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<Action> {
    strata_core::writes::checks(
        ctx.step.index,
        &t.name,
        all_conflicts(ctx, t, writes, filter),
    )
}
