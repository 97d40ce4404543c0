//! `create_table` on SQLite. Rollback drops the table.

use strata_core::driver::CompileKind;
use strata_core::steps::CreateTable;
use strata_core::{Action, ActionKind, Result, Statement, StepContext};

use super::{Compiler, RULES};
use crate::sql::{ident, idents, literal, table as qtable};
use crate::types;

/// The `CREATE TABLE` text strata writes for a new table (and `crate::simulate` records as
/// its definition, which later steps of the migration edit).
pub fn create_sql(s: &CreateTable) -> String {
    let mut defs: Vec<String> = s
        .columns
        .iter()
        .map(|c| {
            let mut d = format!("{} {}", ident(&c.name), types::native(c.ty));
            if !c.nullable && !c.primary_key {
                d.push_str(" NOT NULL");
            }
            if let Some(v) = &c.default {
                d.push_str(&format!(" DEFAULT {}", literal(v)));
            }
            d
        })
        .collect();
    let key = s.primary_key();
    if !key.is_empty() {
        defs.push(format!("PRIMARY KEY ({})", idents(&key)));
    }
    for c in s.columns.iter().filter(|c| c.unique) {
        defs.push(format!("UNIQUE ({})", ident(&c.name)));
    }
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        qtable(&s.table),
        defs.join(",\n  ")
    )
}

impl CompileKind<CreateTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let tbl = qtable(&s.table);
        Ok(vec![Action::new(ctx.step.index, ActionKind::Ddl, format!("create table {}", s.table), Statement::Sql(create_sql(s)))
        .with_inverse(Statement::Sql(format!("DROP TABLE {tbl}")))
        .with_undo_guard(
            Statement::Sql(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {tbl} LIMIT 1)")),
            format!("table {} holds rows written since the migration; rollback refuses to drop them (empty or drop the table by hand first)", s.table),
        )])
    }
}

strata_core::golden_test!("create_table");
