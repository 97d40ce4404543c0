//! `add_index` on PostgreSQL: `CREATE INDEX CONCURRENTLY` by default.
//!
//! An online build cannot run in a transaction: it runs after the migration's transaction
//! commits, journaled, with a done probe (a valid index of that name on the table). A failed
//! or interrupted build leaves an invalid index; the cleanup drops exactly that invalid index
//! (never a valid one, never one on another table) before the build is retried.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::AddIndex;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{Analyzer, Compiler};
use crate::sql::{ident, idents, string, table as qtable};

impl AnalyzeKind<AddIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddIndex) -> Result<Analysis> {
        let counter = self.counter;
        let session = counter.source;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        let schema = t
            .name
            .schema
            .as_deref()
            .map_or("current_schema()".to_owned(), string);
        let taken = session
        .count(&format!(
            "SELECT count(*)::bigint FROM pg_class WHERE relname = {} AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = {schema})",
            string(&s.index_name())
        ))
        .await?;
        if taken > 0 {
            return Ok(Analysis::refused(Refusal::new(
                RefusalKind::Exists,
                format!(
                    "a relation named \"{}\" already exists in the schema of \"{}\"",
                    s.index_name(),
                    t.name
                ),
            )));
        }
        let mut a = Analysis::of_table(t);
        if s.unique {
            a.findings
                .push(strata_sql::duplicates_finding(counter, t, &s.columns).await?);
        }
        Ok(a)
    }
}

impl CompileKind<AddIndex> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &AddIndex) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let name = s.index_name();
        let unique = if s.unique { "UNIQUE " } else { "" };
        let index = t.name.with_name(&name);
        let drop = Statement::Sql(format!("DROP INDEX IF EXISTS {}", qtable(&index)));
        let description = format!(
            "create {unique}index {name} on {}({})",
            t.name,
            s.columns.join(", ")
        );
        let mut actions = Vec::new();
        if s.unique {
            actions.push(no_duplicates(&ctx, t, &s.columns));
        }
        // Built after the commit, an online index would meet the table as later steps leave it.
        let later = ctx.later_step_on(&t.name);
        if !s.online || later.is_some() {
            let description = match later {
            Some(l) if s.online => format!(
                "{description} (inside the migration's transaction: step {} changes the table later)",
                l.index
            ),
            _ => description,
        };
            let create = format!(
                "CREATE {unique}INDEX {} ON {} ({})",
                ident(&name),
                qtable(&t.name),
                idents(&s.columns)
            );
            actions.push(
                Action::new(
                    ctx.step.index,
                    ActionKind::Ddl,
                    description,
                    Statement::Sql(create),
                )
                .with_inverse(drop),
            );
            return Ok(actions);
        }
        let create = format!(
            "CREATE {unique}INDEX CONCURRENTLY {} ON {} ({})",
            ident(&name),
            qtable(&t.name),
            idents(&s.columns)
        );
        let on_table = format!(
        "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = to_regclass({}) AND x.relname = {}",
        string(&qtable(&t.name)),
        string(&name)
    );
        let probe = format!("SELECT count(*)::bigint {on_table} AND i.indisvalid");
        let cleanup = format!(
        "DO $strata$ BEGIN IF EXISTS (SELECT 1 {on_table} AND NOT i.indisvalid) THEN EXECUTE {}; END IF; END $strata$",
        string(&format!("DROP INDEX {}", qtable(&index)))
    );
        actions.push(
            Action::new(
                ctx.step.index,
                ActionKind::Ddl,
                format!("{description} (online)"),
                Statement::Sql(create),
            )
            .with_inverse(drop)
            .with_probe(Statement::Sql(probe))
            .with_cleanup(Statement::Sql(cleanup))
            .outside_transaction(),
        );
        Ok(actions)
    }
}

/// A check, right before a unique index or constraint on `columns` is built, that no key
/// repeats: the plan counts the live table, which an earlier step may have changed since.
pub(super) fn no_duplicates(
    ctx: &StepContext<'_>,
    t: &strata_core::schema::Table,
    columns: &[String],
) -> Action {
    let (cols, present) = strata_sql::actions::key_parts::<crate::dialect::Pg>(columns);
    let count = format!(
        "SELECT count(*)::bigint FROM (SELECT 1 FROM {} c WHERE {present} GROUP BY {cols} HAVING count(*) > 1) d",
        qtable(&t.name)
    );
    strata_sql::actions::repeated_keys_check(ctx, t, columns, count)
}

strata_core::golden_test!("add_index");
