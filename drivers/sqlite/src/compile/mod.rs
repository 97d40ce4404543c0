//! Steps → statements on SQLite. `ALTER TABLE` does what it can (add, rename, drop column);
//! the rest is a rebuild (see `crate::rebuild`) whose inverse rebuilds the exact original
//! table from the SQL `sqlite_master` held, reading restored values from the backup.

mod columns;
mod keys;
mod tables;

use strata_core::preflight::{Checked, Rules};
use strata_core::schema::{ConstraintKind, Table};
use strata_core::{
    escape_hatch, Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext,
    StepKind,
};

use crate::connection::Session;
use crate::rebuild::{self, Shape};
use crate::sql::{ident, idents, join_on, table as qtable};

/// What SQLite allows in names.
pub const RULES: Rules = Rules {
    engine: "SQLite",
    max_name: 1000,
    name_in_bytes: true,
    schemas: false,
    row_ids: false,
};

/// The fused counter over the driver's session.
pub type Counter<'a> = strata_core::counter::Counter<'a, Session>;

/// Compiles one step.
pub fn compile(ctx: StepContext<'_>) -> Result<Vec<Action>> {
    match &ctx.step.kind {
        StepKind::CreateTable(s) => tables::compile_create(ctx, s),
        StepKind::DropTable(s) => tables::compile_drop(ctx, s),
        StepKind::RenameTable(s) => tables::compile_rename(ctx, s),
        StepKind::AddColumn(s) => columns::compile_add(ctx, s),
        StepKind::DropColumn(s) => columns::compile_drop(ctx, s),
        StepKind::RenameColumn(s) => columns::compile_rename(ctx, s),
        StepKind::ChangeType(s) => columns::compile_change_type(ctx, s),
        StepKind::SetNotNull(s) => columns::compile_set_not_null(ctx, s),
        StepKind::DropNotNull(s) => {
            columns::compile_reshape(ctx, &s.table, &s.column, "drop NOT NULL on", |c| {
                c.not_null = false
            })
        }
        StepKind::SetDefault(s) => {
            let value = crate::sql::literal(&s.value);
            columns::compile_reshape(ctx, &s.table, &s.column, "set the default of", move |c| {
                c.default = Some(value.clone())
            })
        }
        StepKind::DropDefault(s) => {
            columns::compile_reshape(ctx, &s.table, &s.column, "drop the default of", |c| {
                c.default = None
            })
        }
        StepKind::AddForeignKey(s) => keys::compile_add_foreign_key(ctx, s),
        StepKind::DropForeignKey(s) => keys::compile_drop_foreign_key(ctx, s),
        StepKind::AddIndex(s) => {
            keys::compile_add_index(ctx, &s.table, &s.columns, &s.index_name(), s.unique)
        }
        StepKind::DropIndex(s) => keys::compile_drop_index(ctx, s),
        StepKind::AddUnique(s) => {
            keys::compile_add_index(ctx, &s.table, &s.columns, &s.constraint_name(), true)
        }
        StepKind::Backfill(s) => columns::compile_backfill(ctx, s),
        StepKind::Sql(s) => escape_hatch::compile_sql(ctx, s, "sqlite", true),
        StepKind::Assert(s) => escape_hatch::compile_assert(ctx, s, "sqlite"),
    }
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
    let of = |r: Checked<&Table>| r.map_or_else(Analysis::refused, Analysis::of_table);
    Ok(match &ctx.step.kind {
        StepKind::CreateTable(s) => strata_core::preflight::create_table(&ctx, s, &RULES)
            .err()
            .map(Analysis::refused)
            .unwrap_or_default(),
        StepKind::DropTable(s) => return tables::analyze_drop(ctx, s),
        StepKind::RenameTable(s) => of(strata_core::preflight::rename_table(&ctx, s, &RULES)),
        StepKind::AddColumn(s) => of(strata_core::preflight::add_column(&ctx, s, &RULES)),
        StepKind::DropColumn(s) => return columns::analyze_drop(counter, ctx, s).await,
        StepKind::RenameColumn(s) => of(strata_core::preflight::rename_column(&ctx, s, &RULES)),
        StepKind::ChangeType(s) => return columns::analyze_change_type(counter, ctx, s).await,
        StepKind::SetNotNull(s) => return columns::analyze_set_not_null(counter, ctx, s).await,
        StepKind::DropNotNull(s) => of(reshapeable(&ctx, &s.table, &s.column)),
        StepKind::SetDefault(s) => of(reshapeable(&ctx, &s.table, &s.column)),
        StepKind::DropDefault(s) => of(reshapeable(&ctx, &s.table, &s.column)),
        StepKind::AddForeignKey(s) => return keys::analyze_add_foreign_key(counter, ctx, s).await,
        StepKind::DropForeignKey(s) => {
            of(strata_core::preflight::drop_foreign_key(&ctx, s, &RULES)
                .and_then(|_| RULES.table(&ctx, &s.table))
                .and_then(rebuildable))
        }
        StepKind::AddIndex(s) => {
            return keys::analyze_add_index(
                counter,
                ctx,
                &s.table,
                &s.columns,
                &s.index_name(),
                s.unique,
            )
            .await
        }
        StepKind::DropIndex(s) => {
            of(strata_core::preflight::drop_index(&ctx, s, &RULES).map(|(t, _)| t))
        }
        StepKind::AddUnique(s) => {
            return keys::analyze_add_index(
                counter,
                ctx,
                &s.table,
                &s.columns,
                &s.constraint_name(),
                true,
            )
            .await
        }
        StepKind::Backfill(s) => return columns::analyze_backfill(counter, ctx, s).await,
        StepKind::Sql(s) => escape_hatch::analyze_sql(s, "sqlite"),
        StepKind::Assert(s) => escape_hatch::analyze_assert(s, "sqlite"),
    })
}

/// A table strata can rebuild: no CHECK constraint it cannot carry over.
fn rebuildable(t: &Table) -> Checked<&Table> {
    if t.constraints
        .iter()
        .any(|c| c.kind == ConstraintKind::Check)
    {
        return Err(format!("table \"{}\" has CHECK constraints, which strata cannot carry through SQLite's table rebuild", t.name));
    }
    Ok(t)
}

fn reshapeable<'a>(
    ctx: &StepContext<'a>,
    table: &QualifiedName,
    column: &str,
) -> Checked<&'a Table> {
    let (t, _) = RULES.table_column(ctx, table, column)?;
    rebuildable(t)
}

/// The rebuild of `t` into `shape` (each column read from the old row by name, or computed by
/// `exprs`), and its inverse: the exact original table, each column read back from the new
/// row or computed by `back`.
fn rebuild_action(
    ctx: &StepContext<'_>,
    t: &Table,
    shape: &Shape,
    exprs: &[(String, String)],
    back: &[(String, String)],
    description: String,
) -> Result<Action> {
    let name = &t.name.name;
    let original = original_sql(t);
    let column_exprs = |targets: Vec<&String>,
                        source_has: &dyn Fn(&str) -> bool,
                        overrides: &[(String, String)]|
     -> Vec<(String, Option<String>)> {
        targets
            .into_iter()
            .map(|c| {
                let e = overrides
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, e)| Some(e.clone()))
                    .unwrap_or_else(|| source_has(c).then(|| rebuild::keep(c)).flatten());
                (c.clone(), e)
            })
            .collect()
    };
    let new_has = |c: &str| shape.columns.iter().any(|d| d.name == c);
    let old_has = |c: &str| t.column(c).is_some();
    let forward_cols = column_exprs(
        shape.columns.iter().map(|c| &c.name).collect(),
        &old_has,
        exprs,
    );
    let (indexes, triggers) = rebuild::kept_objects(t, shape);
    let forward = rebuild::rebuild(t, &shape.create(name), &forward_cols, &indexes, &triggers);
    let back_cols = column_exprs(t.columns.iter().map(|c| &c.name).collect(), &new_has, back);
    let all_indexes: Vec<String> = t.indexes.iter().map(|i| i.definition.clone()).collect();
    let all_triggers: Vec<String> = t.triggers.iter().map(|tr| tr.definition.clone()).collect();
    let inverse = rebuild::rebuild(t, &original, &back_cols, &all_indexes, &all_triggers);
    Ok(Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        description,
        Statement::Sql(forward),
    )
    .with_inverse(Statement::Sql(inverse)))
}

/// The SQL that created `t`: as `sqlite_master` holds it, or, for a table an earlier step of
/// the same migration creates, as strata writes it.
fn original_sql(t: &Table) -> String {
    match &t.definition {
        Some(sql) if !t.definition_stale => sql.clone(),
        _ => Shape::of(t).create(&t.name.name),
    }
}

/// A check that no foreign key is violated (SQLite checks them only on demand here).
fn foreign_key_check(ctx: &StepContext<'_>, t: &Table) -> Action {
    Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!("foreign keys of {} hold (pragma_foreign_key_check)", t.name),
        Statement::Sql(format!(
            "SELECT COUNT(*) FROM pragma_foreign_key_check({})",
            crate::sql::string(&t.name.name)
        )),
        0,
        format!("rows of {} violate a foreign key", t.name),
    )
}

/// A backup of `select` into `backup`, verified: the two sets of rows equal, and their counts.
/// A backup of a keyed selection (`select_keyed`) is indexed on `key`: rollback reads it row
/// by row by key, which without the index is a scan of the backup per row (quadratic).
fn backup(
    ctx: &StepContext<'_>,
    backup: &QualifiedName,
    select: &str,
    what: &str,
    key: &[String],
) -> Vec<Action> {
    let step = ctx.step.index;
    let bak = qtable(backup);
    let mut create = format!("CREATE TABLE {bak} AS {select}");
    if !key.is_empty() {
        let index = strata_core::steps::fit_identifier(&format!("{}_key", backup.name));
        create.push_str(&format!(
            "; CREATE INDEX {} ON {bak} ({})",
            ident(&index),
            idents(key)
        ));
    }
    vec![
        Action::new(step, ActionKind::Backup, format!("back up {what} to {backup}"), Statement::Sql(create))
            .with_inverse(Statement::Sql(format!("DROP TABLE IF EXISTS {bak}")))
            .creates_backup(backup.to_string()),
        Action::check(
            step,
            ActionKind::Verify,
            format!("verify backup {backup} (rows and content)"),
            Statement::Sql(format!(
                "SELECT (SELECT COUNT(*) FROM (SELECT * FROM ({select}) EXCEPT SELECT * FROM {bak})) \
                 + (SELECT COUNT(*) FROM (SELECT * FROM {bak} EXCEPT SELECT * FROM ({select}))) \
                 + abs((SELECT COUNT(*) FROM ({select})) - (SELECT COUNT(*) FROM {bak}))"
            )),
            0,
            format!("the backup {backup} does not match {what}"),
        ),
    ]
}

/// `SELECT pk…, extra… FROM t c [WHERE …]`.
fn select_keyed(t: &Table, extra: &[String], filter: Option<&str>) -> String {
    let mut cols: Vec<String> = t.primary_key.clone();
    cols.extend(extra.iter().filter(|c| !t.primary_key.contains(c)).cloned());
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    format!(
        "SELECT {} FROM {} c{filter}",
        cols.iter()
            .map(|c| format!("c.{}", ident(c)))
            .collect::<Vec<_>>()
            .join(", "),
        qtable(&t.name)
    )
}

/// The value of `column` for the old row, from the backup `bak` keyed by the primary key.
fn from_backup(t: &Table, bak: &QualifiedName, column: &str) -> String {
    let on: Vec<String> = t
        .primary_key
        .iter()
        .map(|k| format!("b.{q} = strata_row.{q}", q = ident(k)))
        .collect();
    format!(
        "(SELECT b.{} FROM {} b WHERE {})",
        ident(column),
        qtable(bak),
        on.join(" AND ")
    )
}

/// Whether the old row has a backup row.
fn in_backup(t: &Table, bak: &QualifiedName) -> String {
    let on: Vec<String> = t
        .primary_key
        .iter()
        .map(|k| format!("b.{q} = strata_row.{q}", q = ident(k)))
        .collect();
    format!(
        "EXISTS (SELECT 1 FROM {} b WHERE {})",
        qtable(bak),
        on.join(" AND ")
    )
}

/// Up to five `key: value` examples of rows matching `filter` (aliased `c`).
async fn examples(
    session: &Session,
    t: &Table,
    value_sql: &str,
    filter: &str,
) -> Result<Vec<String>> {
    let key = if t.primary_key.is_empty() {
        "'row'".to_owned()
    } else {
        t.primary_key
            .iter()
            .map(|k| format!("{} || '=' || c.{}", crate::sql::string(k), ident(k)))
            .collect::<Vec<_>>()
            .join(" || ', ' || ")
    };
    let sql = format!("SELECT {key} || ': ' || coalesce(quote({value_sql}), 'NULL') FROM {} c WHERE {filter} LIMIT 5", qtable(&t.name));
    Ok(session
        .rows(&sql)
        .await?
        .into_iter()
        .filter_map(|mut r| r.swap_remove(0))
        .collect())
}

fn pk_join(t: &Table) -> String {
    join_on(&qtable(&t.name), "b", &t.primary_key)
}

fn keys_of(t: &Table) -> String {
    idents(&t.primary_key)
}
