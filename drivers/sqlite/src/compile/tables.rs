//! `create_table`, `drop_table`, `rename_table` on SQLite.

use strata_core::preflight;
use strata_core::steps::{CreateTable, DropTable, RenameTable};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{backup, RULES};
use crate::rebuild::{ColumnDef, Shape};
use crate::sql::{ident, idents, literal, table as qtable};
use crate::types;

pub fn compile_create(ctx: StepContext<'_>, s: &CreateTable) -> Result<Vec<Action>> {
    preflight::create_table(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let shape = Shape {
        columns: s
            .columns
            .iter()
            .map(|c| ColumnDef {
                name: c.name.clone(),
                declared: types::native(c.ty),
                not_null: !c.nullable && !c.primary_key,
                default: c.default.as_ref().map(literal),
            })
            .collect(),
        primary_key: s
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect(),
        constraints: s
            .columns
            .iter()
            .filter(|c| c.unique)
            .map(|c| format!("UNIQUE ({})", idents(std::slice::from_ref(&c.name))))
            .collect(),
    };
    let tbl = qtable(&s.table);
    Ok(vec![Action::new(ctx.step.index, ActionKind::Ddl, format!("create table {}", s.table), Statement::Sql(shape.create(&s.table.name)))
        .with_inverse(Statement::Sql(format!("DROP TABLE {tbl}")))
        .with_undo_guard(
            Statement::Sql(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {tbl} LIMIT 1)")),
            format!("table {} holds rows written since the migration; rollback refuses to drop them (empty or drop the table by hand first)", s.table),
        )])
}

pub fn analyze_drop(ctx: StepContext<'_>, s: &DropTable) -> Result<Analysis> {
    Ok(match preflight::drop_table(&ctx, s, &RULES) {
        Err(m) => Analysis::refused(m),
        Ok(t) => {
            let mut a = Analysis::of_table(t);
            let backup = s.backup.then(|| ctx.backup_name(&s.table, None));
            a.findings
                .push(preflight::dropped_rows_finding(t.rows, backup.as_ref()));
            a
        }
    })
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
    let t = preflight::drop_table(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let mut actions = Vec::new();
    let mut drop = Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop table {}", t.name),
        Statement::Sql(format!("DROP TABLE {tbl}")),
    )
    .destructive();
    if s.backup {
        let bak = ctx.backup_name(&t.name, None);
        actions.extend(backup(
            &ctx,
            &bak,
            &format!("SELECT * FROM {tbl}"),
            &format!("every row of {}", t.name),
            &[],
        ));
        let original = super::original_sql(t);
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let mut restore = vec![
            original,
            format!(
                "INSERT INTO {tbl} ({c}) SELECT {c} FROM {}",
                qtable(&bak),
                c = idents(&cols)
            ),
        ];
        restore.extend(t.indexes.iter().map(|i| i.definition.clone()));
        restore.extend(t.triggers.iter().map(|tr| tr.definition.clone()));
        for s in &t.sequences {
            if let Some(v) = s.last_value {
                restore.push(format!(
                    "UPDATE sqlite_sequence SET seq = {v} WHERE name = {}",
                    crate::sql::string(&t.name.name)
                ));
            }
        }
        drop = drop.with_inverse(Statement::Sql(restore.join(";\n")));
    }
    actions.push(drop);
    Ok(actions)
}

pub fn compile_rename(ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
    preflight::rename_table(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    // Here, unlike in a rebuild, references from other tables must follow the table.
    let rename = |from: &str, to: &str| {
        Statement::Sql(format!(
            "PRAGMA legacy_alter_table = OFF;\nALTER TABLE {} RENAME TO {};\nPRAGMA legacy_alter_table = ON",
            ident(from),
            ident(to)
        ))
    };
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename table {} to {}", s.table, s.to),
        rename(&s.table.name, &s.to),
    )
    .with_inverse(rename(&s.to, &s.table.name))])
}
