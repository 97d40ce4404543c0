//! `set_not_null` on MySQL: count the NULLs; back up the keys of the rows holding one (the
//! backup's inverse puts the NULLs back); fill them; `MODIFY COLUMN … NOT NULL`. Rollback
//! restores the column's definition and then the NULLs.

use crate::dialect::My;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::SetNotNull;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};
use strata_sql::actions::no_nulls_check;

use super::nullability::with_nullability;
use super::{
    backup, column_nullable_is, exact_definition, online, select_keyed, Analyzer, Compiler, ONLINE,
};
use crate::sql::{ident, join_on, table as qtable, typed_literal};

/// The table and column of a `set_not_null`: not a column a foreign key sets to NULL
/// (`ON DELETE SET NULL`), which MySQL refuses to make NOT NULL (error 1830).
pub(super) fn check_set<'a>(
    ctx: &StepContext<'a>,
    s: &SetNotNull,
) -> super::Checked<(
    &'a strata_core::schema::Table,
    &'a strata_core::schema::Column,
)> {
    let (t, c) = super::RULES.table_column(ctx.snapshot, &s.table, &s.column)?;
    if let Some(fk) = t.constraints.iter().find(|k| {
        k.references.is_some()
            && k.columns.contains(&c.name)
            && (k.definition.contains(" ON DELETE SET NULL")
                || k.definition.contains(" ON UPDATE SET NULL"))
    }) {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "foreign key {} sets \"{}\" to NULL when its parent goes; MySQL cannot make the column NOT NULL under it: replace the key first",
            fk.name, c.name
        )));
    }
    Ok((t, c))
}

impl AnalyzeKind<SetNotNull> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Analysis> {
        let counter = self.counter;
        let (t, c) = strata_core::refuse_unless!(check_set(&ctx, s));
        let shown = format!("c.{}", ident(&c.name));
        let fill = s.fill.as_ref().map(|fill| typed_literal(fill, c.portable));
        strata_sql::analyses::set_not_null(counter, &ctx, s, (t, c), &shown, fill).await
    }
}

impl CompileKind<SetNotNull> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
        let (t, c) = ctx.checked(check_set(&ctx, s))?;
        if !c.nullable {
            return Ok(Vec::new());
        }
        let definition = ctx.checked(exact_definition(c))?;
        let step = ctx.step.index;
        let (tbl, col) = (qtable(&t.name), ident(&c.name));
        let mut actions = Vec::new();
        match &s.fill {
            Some(fill) if !t.primary_key.is_empty() => {
                actions.extend(strata_sql::conflict_checks::<crate::dialect::My>(
                    &ctx,
                    t,
                    &[(c.name.clone(), typed_literal(fill, c.portable))],
                    Some(&format!("c.{col} IS NULL")),
                ));
                let bak = ctx.backup_name(&t.name, Some(&c.name));
                let (select, columns) = select_keyed(t, &[], Some(&format!("c.{col} IS NULL")));
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &select,
                    &columns,
                    &format!("the keys of the rows where {}.{} is NULL", t.name, c.name),
                    format!(
                        "UPDATE {tbl} t JOIN {} b ON {} SET t.{col} = NULL",
                        qtable(&bak),
                        join_on("t", "b", &t.primary_key)
                    ),
                ));
                actions.push(
                    Action::new(
                        step,
                        ActionKind::Dml,
                        format!("fill the NULLs of {}.{} with {fill}", t.name, c.name),
                        Statement::Sql(format!(
                            "UPDATE {tbl} SET {col} = {} WHERE {col} IS NULL",
                            typed_literal(fill, c.portable)
                        )),
                    )
                    .restored_by_backup(),
                );
            }
            _ => actions.push(no_nulls_check::<My>(step, t, &c.name)),
        }
        actions.push(
            Action::new(
                step,
                ActionKind::Ddl,
                online(format!("set {}.{} NOT NULL", t.name, c.name)),
                Statement::Sql(format!(
                    "ALTER TABLE {tbl} MODIFY COLUMN {}{ONLINE}",
                    with_nullability(&definition, false)
                )),
            )
            .outside_transaction()
            .with_probe(Statement::Sql(column_nullable_is(
                &t.name.name,
                &c.name,
                false,
            )))
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {tbl} MODIFY COLUMN {definition}"
            )))
            .with_undo_probe(Statement::Sql(column_nullable_is(
                &t.name.name,
                &c.name,
                true,
            ))),
        );
        Ok(actions)
    }
}

strata_core::golden_test!("set_not_null");
