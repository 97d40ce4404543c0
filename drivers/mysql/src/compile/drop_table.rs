//! `drop_table` on MySQL: back up every row (create, fill, verify), `DROP TABLE`. Rollback
//! re-creates the table from its `SHOW CREATE TABLE` statement (columns, keys, foreign keys,
//! AUTO_INCREMENT counter) and the backup's inverse puts the rows back.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::DropTable;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{backup, idents_of, table_absent, table_exists, Analyzer, Checked, Compiler};
use crate::sql::table as qtable;

fn check<'a>(ctx: &StepContext<'a>, s: &DropTable) -> Checked<&'a strata_core::schema::Table> {
    let t = s.preflight(ctx.snapshot, &super::RULES)?;
    if !t.triggers.is_empty() {
        let names: Vec<&str> = t.triggers.iter().map(|tr| tr.name.as_str()).collect();
        return Err(Refusal::new(RefusalKind::Dependents, format!(
            "table \"{}\" has triggers ({}); drop them first with an sql step that re-creates them in `down`",
            t.name,
            names.join(", ")
        )));
    }
    Ok(t)
}

impl AnalyzeKind<DropTable> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropTable) -> Result<Analysis> {
        let checked = check(&ctx, s);
        Ok(strata_core::preflight::drop_table_analysis(
            &ctx, s, checked,
        ))
    }
}

impl CompileKind<DropTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
        let t = ctx.checked(check(&ctx, s))?;
        let tbl = qtable(&t.name);
        let columns: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let mut actions = Vec::new();
        if s.backup {
            let bak = ctx.backup_name(&t.name, None);
            let cols = idents_of(&columns);
            actions.extend(backup(&ctx,
            &bak,
            &format!("SELECT c.* FROM {tbl} c"),
            &columns,
            &format!("every row of {}", t.name),
            // Only into the table the DROP's inverse re-created: if the runner died before the
            // DROP, the rows are still there and nothing is put back.
            format!("INSERT INTO {tbl} ({cols}) SELECT {cols} FROM {} WHERE (SELECT COUNT(*) FROM {tbl}) = 0", qtable(&bak)),
        ));
        }
        let mut drop = Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("drop table {}", t.name),
            Statement::Sql(format!("DROP TABLE {tbl}")),
        )
        .destructive()
        .outside_transaction()
        .with_probe(Statement::Sql(table_absent(&t.name.name)));
        if s.backup {
            let definition = t.definition.clone().filter(|_| !t.definition_stale)
            .ok_or_else(|| ctx.error(format!("table {} is created or changed by an earlier step of this plan; on MySQL drop it in a migration of its own, applied after that step has run, so strata can read its exact definition", t.name)))?;
            drop = drop
                .with_inverse(Statement::Sql(definition))
                .with_undo_probe(Statement::Sql(table_exists(&t.name.name)));
        }
        actions.push(drop);
        Ok(actions)
    }
}

strata_core::golden_test!("drop_table");
