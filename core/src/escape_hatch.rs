//! The `sql` and `assert` steps on SQL engines: the user's text runs as given, so their
//! analysis and compilation are the same everywhere but for which engine's text is taken.

use crate::action::{Action, ActionKind, Statement};
use crate::driver::{Analysis, StepContext};
use crate::error::Result;
use crate::steps::{Assert, Sql};

fn missing(what: &str, engine: &str) -> String {
    format!("no `{engine}` {what} for this engine (the step gives only other engines)")
}

/// The analysis of an `sql` step on `engine`.
pub fn analyze_sql(s: &Sql, engine: &str) -> Analysis {
    if s.up().sql_for(engine).is_none() {
        return Analysis::refused(crate::Refusal::unsupported(missing("statement", engine)));
    }
    let mut a = Analysis::default();
    if s.down.as_ref().and_then(|d| d.sql_for(engine)).is_none() {
        a.warnings.push(format!(
            "no `down.{engine}`: rollback refuses to undo this step"
        ));
    }
    a
}

/// An `sql` step on `engine`: one action running the text, with `down` as its inverse.
/// `transactional` says whether the text may run in a transaction on this engine.
pub fn compile_sql(
    ctx: StepContext<'_>,
    s: &Sql,
    engine: &str,
    transactional: bool,
) -> Result<Vec<Action>> {
    let up = s.up();
    let text = up
        .sql_for(engine)
        .ok_or_else(|| ctx.error(missing("statement", engine)))?;
    let mut action = Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        "run the step's SQL",
        Statement::Sql(text.to_owned()),
    );
    if let Some(down) = s.down.as_ref().and_then(|d| d.sql_for(engine)) {
        action = action.with_inverse(Statement::Sql(down.to_owned()));
    }
    if !transactional {
        action = action.outside_transaction();
    }
    Ok(vec![action])
}

/// The analysis of an `assert` step on `engine`.
pub fn analyze_assert(s: &Assert, engine: &str) -> Analysis {
    match s.query().sql_for(engine) {
        Some(_) => Analysis::default(),
        None => Analysis::refused(crate::Refusal::unsupported(missing("query", engine))),
    }
}

/// An `assert` step on `engine`: a check that the query returns `expect_rows` rows.
pub fn compile_assert(ctx: StepContext<'_>, s: &Assert, engine: &str) -> Result<Vec<Action>> {
    let texts = s.query();
    let query = texts
        .sql_for(engine)
        .ok_or_else(|| ctx.error(missing("query", engine)))?;
    let query = query.trim().trim_end_matches(';');
    Ok(vec![Action::check(
        ctx.step.index,
        ActionKind::Check,
        format!("assert: the query returns {} rows", s.expect_rows),
        Statement::Sql(format!("SELECT COUNT(*) FROM ({query}) strata_assert")),
        s.expect_rows as i64,
        "assertion failed",
    )])
}
