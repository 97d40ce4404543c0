//! `add_index` on MySQL: `ALTER TABLE … ADD INDEX … ALGORITHM=INPLACE, LOCK=NONE` when
//! online (the default), falling back to a locking build if the server refuses. For a unique
//! index duplicates are counted first. Rollback drops the index, after re-creating any index
//! the server made for a foreign key and dropped because the new one covers it (see
//! `implicit_indexes`).

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::AddIndex;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{implicit_indexes, index_absent, index_exists, online, Analyzer, Compiler, ONLINE};
use crate::sql::{ident, idents, table as qtable};

impl AnalyzeKind<AddIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddIndex) -> Result<Analysis> {
        let counter = self.counter;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &super::RULES));
        let mut a = Analysis::of_table(t);
        a.warnings
            .extend(implicit_indexes::warnings(t, &s.columns, &s.index_name()));
        if s.unique {
            a.findings
                .push(strata_sql::duplicates_finding(counter, t, &s.columns).await?);
        }
        Ok(a)
    }
}

impl CompileKind<AddIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddIndex) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let name = s.index_name();
        let unique = if s.unique { "UNIQUE " } else { "" };
        let tbl = qtable(&t.name);
        let description = format!(
            "create {unique}index {name} on {}({})",
            t.name,
            s.columns.join(", ")
        );
        let (description, clause) = if s.online {
            (online(description), ONLINE)
        } else {
            (description, "")
        };
        let mut actions = Vec::new();
        if s.unique {
            actions.push(no_duplicates(&ctx, t, &s.columns));
        }
        actions.extend(build(
            &ctx,
            t,
            &name,
            &s.columns,
            description,
            format!(
                "ALTER TABLE {tbl} ADD {unique}INDEX {} ({}){clause}",
                ident(&name),
                idents(&s.columns)
            ),
        ));
        Ok(actions)
    }
}

/// The build of index `name` on `columns` by `sql` (an `ADD INDEX` or `ADD CONSTRAINT …
/// UNIQUE`), undone by dropping it, and the check that keeps the server's own key index
/// (see `implicit_indexes`).
pub fn build(
    ctx: &StepContext<'_>,
    t: &Table,
    name: &str,
    columns: &[String],
    description: String,
    sql: String,
) -> Vec<Action> {
    let tbl = qtable(&t.name);
    let mut actions = vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        description,
        Statement::Sql(sql),
    )
    .outside_transaction()
    .with_probe(Statement::Sql(index_exists(&t.name.name, name)))
    .with_inverse(Statement::Sql(format!(
        "ALTER TABLE {tbl} DROP INDEX {}",
        ident(name)
    )))
    .with_undo_probe(Statement::Sql(index_absent(&t.name.name, name)))];
    actions.extend(implicit_indexes::kept(ctx, t, columns, name));
    actions
}

/// A check, right before a unique index on `columns` is built, that no key repeats: the
/// plan counts the live table, which an earlier step may have changed since.
pub(super) fn no_duplicates(ctx: &StepContext<'_>, t: &Table, columns: &[String]) -> Action {
    let (cols, present) = strata_sql::actions::key_parts::<crate::dialect::My>(columns);
    let count = format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} c WHERE {present} GROUP BY {cols} HAVING COUNT(*) > 1) d",
        qtable(&t.name)
    );
    strata_sql::actions::repeated_keys_check(ctx, t, columns, count)
}

strata_core::golden_test!("add_index");
