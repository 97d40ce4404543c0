//! `drop_table` on PostgreSQL: back up (`CREATE TABLE … AS TABLE`), verify, `DROP TABLE`.
//! Rollback re-creates the table from its catalog definition and refills it from the backup.

use strata_core::steps::DropTable;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{backup, recreate, refused, sized, Checked};
use crate::sql::table as qtable;

fn check<'a>(ctx: &StepContext<'a>, s: &DropTable) -> Checked<&'a strata_core::schema::Table> {
    strata_core::preflight::drop_table(ctx, s, &super::RULES)
}

pub fn analyze(ctx: StepContext<'_>, s: &DropTable) -> Analysis {
    match check(&ctx, s) {
        Err(m) => refused(m),
        Ok(t) => {
            let mut a = sized(t);
            let backup = s.backup.then(|| ctx.backup_name(&s.table, None));
            a.findings
                .push(strata_core::preflight::dropped_rows_finding(
                    t.rows,
                    backup.as_ref(),
                ));
            a
        }
    }
}

pub fn compile(ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
    let t = check(&ctx, s).map_err(|m| ctx.error(m))?;
    let step = ctx.step.index;
    let mut actions = Vec::new();
    let drop = Action::new(
        step,
        ActionKind::Ddl,
        format!("drop table {}", t.name),
        Statement::Sql(format!("DROP TABLE {}", qtable(&t.name))),
    )
    .destructive();
    if s.backup {
        let bak = ctx.backup_name(&t.name, None);
        actions.extend(backup(
            &ctx,
            &bak,
            &format!("TABLE {}", qtable(&t.name)),
            &format!("every row of {}", t.name),
        ));
        actions.push(drop.with_inverse(Statement::Sql(recreate::table_from_backup(t, &bak))));
    } else {
        actions.push(drop);
    }
    Ok(actions)
}
