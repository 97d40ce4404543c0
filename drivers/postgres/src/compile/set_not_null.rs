//! `set_not_null` on PostgreSQL: count the NULLs; back up the keys of the rows holding one;
//! fill them; `SET NOT NULL`. Rollback drops the constraint and puts back exactly the NULLs it
//! filled.

use crate::dialect::Pg;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetNotNull;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_sql::actions::no_nulls_check;

use super::{backup, select_keyed, Analyzer, Compiler};
use crate::sql::{ident, join_on, literal, table as qtable};

impl AnalyzeKind<SetNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Analysis> {
        let counter = self.counter;
        let (t, c) = strata_core::refuse_unless!(super::RULES.table_column(
            ctx.snapshot,
            &s.table,
            &s.column
        ));
        let shown = format!("c.{}::text", ident(&c.name));
        let fill = s.fill.as_ref().map(|fill| literal(fill, &c.native_type));
        strata_sql::analyses::set_not_null(counter, &ctx, s, (t, c), &shown, fill).await
    }
}

impl CompileKind<SetNotNull> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(super::RULES.table_column(ctx.snapshot, &s.table, &s.column))?;
        if !c.nullable {
            return Ok(Vec::new());
        }
        let step = ctx.step.index;
        let (tbl, col) = (qtable(&t.name), ident(&c.name));
        let mut actions = Vec::new();
        match &s.fill {
            Some(fill) if !t.primary_key.is_empty() => {
                actions.extend(strata_sql::conflict_checks::<crate::dialect::Pg>(
                    &ctx,
                    t,
                    &[(c.name.clone(), literal(fill, &c.native_type))],
                    Some(&format!("c.{col} IS NULL")),
                ));
                let bak = ctx.backup_name(&t.name, Some(&c.name));
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &select_keyed(t, &[], Some(&format!("c.{col} IS NULL"))),
                    &format!("the keys of the rows where {}.{} is NULL", t.name, c.name),
                ));
                actions.push(
                    Action::new(
                        step,
                        ActionKind::Dml,
                        format!("fill the NULLs of {}.{} with {fill}", t.name, c.name),
                        Statement::Sql(format!(
                            "UPDATE {tbl} SET {col} = {} WHERE {col} IS NULL",
                            literal(fill, &c.native_type)
                        )),
                    )
                    .with_inverse(Statement::Sql(format!(
                        "UPDATE {tbl} t SET {col} = NULL FROM {} b WHERE {}",
                        qtable(&bak),
                        join_on("t", "b", &t.primary_key)
                    ))),
                );
            }
            _ => actions.push(no_nulls_check::<Pg>(step, t, &c.name)),
        }
        actions.push(
            Action::new(
                step,
                ActionKind::Ddl,
                format!("set {}.{} NOT NULL", t.name, c.name),
                Statement::Sql(format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET NOT NULL")),
            )
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {col} DROP NOT NULL"
            ))),
        );
        Ok(actions)
    }
}

strata_core::golden_test!("set_not_null");
