//! `drop_index` on MySQL; rollback re-adds it from its `SHOW CREATE TABLE` line.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropIndex;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{index_absent, index_exists, online, Analyzer, Checked, Compiler, ONLINE};
use crate::sql::{ident, table as qtable};

fn check<'a>(ctx: &StepContext<'a>, s: &DropIndex) -> Checked<&'a strata_core::schema::Index> {
    let (t, index) = s.preflight(ctx.snapshot, &super::RULES)?;
    let needed = t
        .constraints
        .iter()
        .filter(|c| c.references.is_some())
        .find(|fk| {
            index.columns.starts_with(&fk.columns)
                && !t
                    .indexes
                    .iter()
                    .any(|o| o.name != index.name && o.columns.starts_with(&fk.columns))
                && !t.primary_key.starts_with(&fk.columns)
        });
    if let Some(fk) = needed {
        return Err(Refusal::new(
            RefusalKind::Dependents,
            format!(
                "index \"{}\" is the one foreign key {} needs; drop the foreign key first",
                s.name, fk.name
            ),
        ));
    }
    Ok(index)
}

impl AnalyzeKind<DropIndex> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Analysis> {
        Ok(Analysis::of_checked(
            check(&ctx, s).map(|_| ctx.snapshot.table(&s.table).expect("checked")),
        ))
    }
}

impl CompileKind<DropIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let index = ctx.checked(check(&ctx, s))?;
        let tbl = qtable(&s.table);
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            online(format!("drop index {}", s.name)),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} DROP INDEX {}{ONLINE}",
                ident(&s.name)
            )),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(index_absent(&s.table.name, &s.name)))
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} ADD {}",
            index.definition
        )))
        .with_undo_probe(Statement::Sql(index_exists(
            &s.table.name,
            &s.name,
        )))])
    }
}

strata_core::golden_test!("drop_index");
