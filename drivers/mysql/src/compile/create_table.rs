//! `create_table` on MySQL. Rollback drops the table, and refuses while it holds rows.

use strata_core::driver::CompileKind;
use strata_core::steps::{ColumnSpec, CreateTable};
use strata_core::{Action, ActionKind, PortableType, Result, Statement, StepContext};

use super::{table_absent, table_exists, Compiler};
use crate::sql::{ident, literal, table as qtable, typed_literal};
use crate::types;

/// `DEFAULT x`, or `DEFAULT (x)` for the types MySQL gives only expression defaults.
pub fn default_clause(ty: PortableType, value: &serde_json::Value) -> String {
    match ty {
        PortableType::Text | PortableType::Bytes | PortableType::Json => {
            format!(" DEFAULT ({})", literal(value))
        }
        _ => format!(" DEFAULT {}", typed_literal(value, Some(ty))),
    }
}

impl CompileKind<CreateTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let mut defs =
            strata_sql::actions::table_elements::<crate::dialect::My>(s, column_definition);
        for c in s.columns.iter().filter(|c| c.unique) {
            let name =
                strata_core::steps::fit_identifier(&format!("{}_{}_key", s.table.name, c.name));
            defs.push(format!("UNIQUE KEY {} ({})", ident(&name), ident(&c.name)));
        }
        let tbl = qtable(&s.table);
        Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("create table {}", s.table),
        Statement::Sql(format!("CREATE TABLE {tbl} (\n  {}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", defs.join(",\n  "))),
    )
    .outside_transaction()
    .with_probe(Statement::Sql(table_exists(&s.table.name)))
    .with_inverse(Statement::Sql(format!("DROP TABLE {tbl}")))
    .with_undo_probe(Statement::Sql(table_absent(&s.table.name)))
    .with_undo_guard(
        Statement::Sql(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {tbl} LIMIT 1) x")),
        format!("table {} holds rows written since the migration; rollback refuses to drop them (empty or drop the table by hand first)", s.table),
    )])
    }
}

/// The definition of column `c` in `CREATE TABLE`.
fn column_definition(c: &ColumnSpec) -> String {
    let mut d = format!("{} {}", ident(&c.name), types::native(c.ty));
    d.push_str(if !c.nullable || c.primary_key {
        " NOT NULL"
    } else {
        " NULL"
    });
    if let Some(v) = &c.default {
        d.push_str(&default_clause(c.ty, v));
    }
    d
}

strata_core::golden_test!("create_table");
