//! `drop_column` on PostgreSQL: back up `(primary key, column)`, verify, `DROP COLUMN`.
//! Rollback adds the column back (type, default, NOT NULL, the constraints and indexes that
//! covered it) and restores every value by key. PostgreSQL cannot put a column back at its
//! old position: it returns at the end (capability `preserves_column_order = false`).
//!
//! A column that a view, rule, policy, trigger, generated column or function body uses cannot
//! be dropped without breaking them: the step is refused, naming each of them and what
//! depends on them in turn (`view public.v2 (through view public.v1)`). Indexes and
//! constraints on the column go with it and come back with the rollback.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight;
use strata_core::steps::DropColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{backup, foreign_keys_on, recreate, select_keyed, Analyzer, Checked, Compiler};
use crate::sql::{ident, join_on, table as qtable};

fn check<'a>(ctx: &StepContext<'a>, s: &DropColumn) -> Checked<&'a strata_core::schema::Table> {
    s.preflight(ctx.snapshot, &super::RULES).map(|(t, _)| t)
}

impl AnalyzeKind<DropColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Analysis> {
        let counter = self.counter;
        let session = counter.source;
        let t = strata_core::refuse_unless!(check(&ctx, s));
        let mut dependents = crate::dependents::names_of_column(session, t, &s.column).await?;
        dependents.extend(foreign_keys_on(session, t, &s.column).await?);
        if !dependents.is_empty() {
            return Ok(Analysis::refused(preflight::dependents_refusal(
                &dependents,
                &s.column,
            )));
        }
        let mut a = Analysis::of_table(t);
        a.findings
            .push(strata_sql::dropped_values_finding(counter, &ctx, s, t).await?);
        Ok(a)
    }
}

impl CompileKind<DropColumn> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(check(&ctx, s))?;
        let c = t.column(&s.column).expect("checked");
        let step = ctx.step.index;
        let drop = Action::new(
            step,
            ActionKind::Ddl,
            format!("drop column {}.{}", t.name, c.name),
            Statement::Sql(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                qtable(&t.name),
                ident(&c.name)
            )),
        )
        .destructive();
        // Again at apply time: the plan cannot look at a column an earlier step renamed.
        let unused = Action::check(
        step,
        ActionKind::Check,
        format!("nothing else uses {}.{}", t.name, c.name),
        Statement::Sql(super::dependents::column_users_count(
            &qtable(&t.name),
            &c.name,
            &[
                "pg_class",
                "pg_rewrite",
                "pg_policy",
                "pg_trigger",
                "pg_constraint",
                "pg_proc",
            ],
        )),
        0,
        format!(
            "objects depend on column \"{}\" of {} (views, rules, policies, triggers, foreign keys, functions); drop them first",
            c.name, t.name
        ),
    );
        if !s.backup {
            return Ok(vec![unused, drop]);
        }
        let bak = ctx.backup_name(&t.name, Some(&c.name));
        let mut actions = vec![unused];
        actions.extend(backup(
            &ctx,
            &bak,
            &select_keyed(t, std::slice::from_ref(&c.name), None),
            &format!("{}.{} with its keys", t.name, c.name),
        ));
        let mut restore = vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            qtable(&t.name),
            recreate::column_definition(
                t,
                &strata_core::schema::Column {
                    nullable: true,
                    ..c.clone()
                }
            )
        )];
        restore.push(format!(
            "UPDATE {tbl} t SET {col} = b.{col} FROM {bak} b WHERE {on}",
            tbl = qtable(&t.name),
            col = ident(&c.name),
            bak = qtable(&bak),
            on = join_on("t", "b", &t.primary_key)
        ));
        if !c.nullable {
            restore.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                qtable(&t.name),
                ident(&c.name)
            ));
        }
        restore.extend(recreate::restore_sequences(t, Some(&c.name)));
        restore.extend(recreate::dependent_objects(
            t,
            &|cols| cols.contains(&c.name),
            false,
        ));
        actions.push(drop.with_inverse(Statement::Sql(restore.join(";\n"))));
        Ok(actions)
    }
}

strata_core::golden_test!("drop_column");
