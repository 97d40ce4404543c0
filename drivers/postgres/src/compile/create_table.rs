//! `create_table` on PostgreSQL. Rollback drops the table, and refuses (changing nothing)
//! while it holds rows, so that a rollback never silently destroys data written since.

use strata_core::driver::CompileKind;
use strata_core::steps::{ColumnSpec, CreateTable};
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::Compiler;
use crate::sql::{ident, literal, table as qtable};
use crate::types;

impl CompileKind<CreateTable> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let mut defs =
            strata_sql::actions::table_elements::<crate::dialect::Pg>(s, column_definition);
        for c in s.columns.iter().filter(|c| c.unique) {
            defs.push(format!("UNIQUE ({})", ident(&c.name)));
        }
        let tbl = qtable(&s.table);
        Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("create table {}", s.table),
        Statement::Sql(format!("CREATE TABLE {tbl} (\n  {}\n)", defs.join(",\n  "))),
    )
    .with_inverse(Statement::Sql(format!("DROP TABLE {tbl}")))
    .with_undo_guard(
        Statement::Sql(format!("SELECT count(*)::bigint FROM (SELECT 1 FROM {tbl} LIMIT 1) x")),
        format!("table {} holds rows written since the migration; rollback refuses to drop them (empty or drop the table by hand first)", s.table),
    )])
    }
}

/// The definition of column `c` in `CREATE TABLE`.
fn column_definition(c: &ColumnSpec) -> String {
    let native = types::native(c.ty);
    let mut d = format!("{} {native}", ident(&c.name));
    if let Some(v) = &c.default {
        d.push_str(&format!(" DEFAULT {}", literal(v, &native)));
    }
    if !c.nullable || c.primary_key {
        d.push_str(" NOT NULL");
    }
    d
}

strata_core::golden_test!("create_table");
