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
mod backup;
mod change_type;
mod conflicts;
mod conversion;
mod create_table;
mod defaults;
mod dependents;
mod probes;

pub(crate) use dependents::names;

mod drop_column;
mod drop_foreign_key;
mod drop_index;
mod drop_table;
#[cfg(test)]
mod golden;
mod implicit_indexes;
mod in_place;
pub use implicit_indexes::superseded;
pub(crate) use rename_column::carried;
mod drop_default;
mod drop_not_null;
mod nullability;
mod one_alter;
mod rename_column;
mod rename_table;
mod set_default;
mod set_not_null;
mod sql;

use async_trait::async_trait;
use backup::{backup, keyed_backup, select_keyed};
pub use conflicts::{orphan_count_sql, orphan_filter};
use probes::{
    column_absent, column_exists, column_nullable_is, constraint_absent, constraint_exists,
    index_absent, index_exists, table_absent, table_exists,
};
use strata_core::driver::{analyze_step, compile_step, StepCompiler};
use strata_core::preflight::{Checked, Rules};
use strata_core::schema::Snapshot;
use strata_core::schema::{Column, Table};
use strata_core::steps::Step;
use strata_core::{Action, Analysis, Result, StepContext};
use strata_core::{Refusal, RefusalKind};
use strata_sql::refuse_conflicts;

use crate::connection::{Flavor, Session};
use crate::sql::{ident, idents, string};
use crate::MySqlDriver;

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

// The kinds this driver analyzes on the schema alone (core's `SchemaAnalysis`).
strata_core::analyze_on_schema!(
    Analyzer<'_>,
    RULES,
    [CreateTable, DropForeignKey, DropNotNull]
);

#[async_trait]
impl StepCompiler for MySqlDriver {
    /// Analyzes steps on the live data, the counts on each table fused into one scan.
    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        strata_core::counter::analyze_fused(&self.session, steps, |counter, ctx| {
            Box::pin(async move { analyze_step(&Analyzer { counter }, ctx).await })
        })
        .await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        compile_step(
            &Compiler {
                flavor: self.flavor(),
            },
            ctx,
        )
    }

    fn compile_run(&self, run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
        one_alter::compile(run)
    }

    fn simulate(&self, step: &Step, before: &Snapshot, after: &mut Snapshot) {
        crate::simulate::simulate(step, before, after)
    }
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

fn idents_of(columns: &[String]) -> String {
    idents(columns)
}
