//! `sql` on MongoDB: a command document (`mongodb = { … }` in the step), run as given, with
//! its `down` command as the inverse.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Sql;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};

use super::{cmd, Analyzer, Compiler};

pub(super) fn missing(what: &str) -> String {
    format!("no `mongodb` {what} for this engine (the step gives only other engines)")
}

pub fn analyze_command(s: &Sql) -> Analysis {
    if s.mongodb.is_none() {
        return Analysis::refused(strata_core::Refusal::unsupported(missing("command")));
    }
    let mut a = Analysis::default();
    if s.down.as_ref().and_then(|d| d.mongodb.as_ref()).is_none() {
        a.warnings
            .push("no `down.mongodb`: rollback refuses to undo this step".into());
    }
    a
}

impl AnalyzeKind<Sql> for Analyzer<'_> {
    async fn analyze(&self, _: StepContext<'_>, s: &Sql) -> Result<Analysis> {
        Ok(analyze_command(s))
    }
}

impl CompileKind<Sql> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Sql) -> Result<Vec<Action>> {
        let command = s
            .mongodb
            .clone()
            .ok_or_else(|| ctx.error(missing("command")))?;
        let mut action = Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            "run the step's command",
            cmd(command),
        )
        .outside_transaction();
        if let Some(down) = s.down.as_ref().and_then(|d| d.mongodb.clone()) {
            action = action.with_inverse(cmd(down));
        }
        Ok(vec![action])
    }
}

strata_core::golden_test!("sql");
