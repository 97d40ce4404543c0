//! Steps → statements on SQLite. `ALTER TABLE` does what it can (add, rename columns, rename
//! tables); the rest is a rebuild from the table's own `CREATE TABLE` text (see
//! `crate::rebuild` and `table_text`), whose inverse rebuilds the table from the exact text it
//! had, reading restored values from the backup.

mod backfill;
mod backup;
mod columns;
mod convert;
mod indexes;
mod keys;
mod nullability;
mod renames;
mod table_text;
mod tables;
mod uses;
mod writes;

pub(crate) use columns::added_column;
pub(crate) use convert::changed_type;
pub(crate) use indexes::index_sql;
pub(crate) use keys::{foreign_key_sql, with_foreign_key};
pub(crate) use nullability::reshaped;
pub(crate) use tables::create_sql;

use strata_core::preflight::{Checked, Rules};
use strata_core::schema::Table;
use strata_core::writes::Conflict;
use strata_core::{
    escape_hatch, Action, ActionKind, Analysis, Result, Statement, StepContext, StepKind,
};

use crate::connection::Session;

/// What SQLite allows in names.
pub const RULES: Rules = Rules {
    engine: "SQLite",
    max_name: 1000,
    name_in_bytes: true,
    schemas: false,
    row_ids: false,
    forbidden: strata_core::preflight::any_name,
};

/// The fused counter over the driver's session.
pub type Counter<'a> = strata_core::counter::Counter<'a, Session>;

/// Compiles one step.
pub fn compile(ctx: StepContext<'_>) -> Result<Vec<Action>> {
    match &ctx.step.kind {
        StepKind::CreateTable(s) => tables::compile_create(ctx, s),
        StepKind::DropTable(s) => tables::compile_drop(ctx, s),
        StepKind::RenameTable(s) => renames::compile_table(ctx, s),
        StepKind::AddColumn(s) => columns::compile_add(ctx, s),
        StepKind::DropColumn(s) => columns::compile_drop(ctx, s),
        StepKind::RenameColumn(s) => renames::compile_column(ctx, s),
        StepKind::ChangeType(s) => convert::compile(ctx, s),
        StepKind::SetNotNull(s) => nullability::compile_set_not_null(ctx, s),
        StepKind::DropNotNull(_) | StepKind::SetDefault(_) | StepKind::DropDefault(_) => {
            nullability::compile_reshape(ctx)
        }
        StepKind::AddForeignKey(s) => keys::compile_add(ctx, s),
        StepKind::DropForeignKey(s) => keys::compile_drop(ctx, s),
        StepKind::AddIndex(s) => {
            indexes::compile_add(ctx, &s.table, &s.columns, &s.index_name(), s.unique)
        }
        StepKind::DropIndex(s) => indexes::compile_drop(ctx, s),
        StepKind::AddUnique(s) => {
            indexes::compile_add(ctx, &s.table, &s.columns, &s.constraint_name(), true)
        }
        StepKind::Backfill(s) => backfill::compile(ctx, s),
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
        StepKind::CreateTable(s) => s
            .preflight(ctx.snapshot, &RULES)
            .err()
            .map(Analysis::refused)
            .unwrap_or_default(),
        StepKind::DropTable(s) => return tables::analyze_drop(ctx, s),
        StepKind::RenameTable(s) => return renames::analyze_table(counter.source, ctx, s).await,
        StepKind::AddColumn(s) => of(columns::check_add(&ctx, s).map(|(t, _)| t)),
        StepKind::DropColumn(s) => return columns::analyze_drop(counter, ctx, s).await,
        StepKind::RenameColumn(s) => return renames::analyze_column(counter.source, ctx, s).await,
        StepKind::ChangeType(s) => return convert::analyze(counter, ctx, s).await,
        StepKind::SetNotNull(s) => return nullability::analyze_set_not_null(counter, ctx, s).await,
        StepKind::DropNotNull(_) | StepKind::SetDefault(_) | StepKind::DropDefault(_) => {
            of(nullability::check_reshape(&ctx).map(|(t, _, _)| t))
        }
        StepKind::AddForeignKey(s) => return keys::analyze_add(counter, ctx, s).await,
        StepKind::DropForeignKey(s) => of(keys::check_drop(&ctx, s).map(|(t, _, _)| t)),
        StepKind::AddIndex(s) => {
            return indexes::analyze_add(
                counter,
                ctx,
                &s.table,
                &s.columns,
                &s.index_name(),
                s.unique,
            )
            .await
        }
        StepKind::DropIndex(s) => of(s.preflight(ctx.snapshot, &RULES).map(|(t, _)| t)),
        StepKind::AddUnique(s) => {
            return indexes::analyze_add(
                counter,
                ctx,
                &s.table,
                &s.columns,
                &s.constraint_name(),
                true,
            )
            .await
        }
        StepKind::Backfill(s) => return backfill::analyze(counter, ctx, s).await,
        StepKind::Sql(s) => escape_hatch::analyze_sql(s, "sqlite"),
        StepKind::Assert(s) => escape_hatch::analyze_assert(s, "sqlite"),
    })
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

/// How this driver quotes names, for core's shared SQL.
const QUOTING: strata_core::writes::Quoting = strata_core::writes::Quoting {
    ident: crate::sql::ident,
    table: crate::sql::table,
};

/// Refuses, in the plan, a write of `writes` into the rows `filter` selects that a UNIQUE key
/// or a foreign key of `t` would stop half way (see `strata_core::writes`).
async fn refuse_conflicts(
    counter: &Counter<'_>,
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
    a: &mut Analysis,
) -> Result<()> {
    refuse(counter, conflicts(ctx, t, writes, filter), a).await
}

/// What a write of `writes` into the rows `filter` selects would break: the unique and
/// foreign keys of `t` (core's counts) and its CHECKs.
fn conflicts(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<Conflict> {
    let mut out = strata_core::writes::conflicts(ctx.snapshot, t, writes, filter, QUOTING);
    out.extend(writes::broken_checks(t, writes, filter.unwrap_or("1")));
    out
}

/// Refuses, in the plan, each of `conflicts` whose count is not 0.
async fn refuse(counter: &Counter<'_>, conflicts: Vec<Conflict>, a: &mut Analysis) -> Result<()> {
    if counter.is_recording() {
        return Ok(());
    }
    for c in conflicts {
        if counter.source.count(&c.count).await? != 0 {
            a.refusals.push(c.refusal);
        }
    }
    Ok(())
}

/// The same counts as checks right before the write, for a table the plan could not count.
fn conflict_checks(
    ctx: &StepContext<'_>,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
) -> Vec<Action> {
    checks(ctx, t, conflicts(ctx, t, writes, filter))
}

/// `conflicts` as checks right before the write.
fn checks(ctx: &StepContext<'_>, t: &Table, conflicts: Vec<Conflict>) -> Vec<Action> {
    conflicts
        .into_iter()
        .map(|c| {
            Action::check(
                ctx.step.index,
                ActionKind::Check,
                format!("the written value breaks no key of {}", t.name),
                Statement::Sql(c.count),
                0,
                c.refusal,
            )
        })
        .collect()
}
