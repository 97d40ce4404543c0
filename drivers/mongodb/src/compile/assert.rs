//! `assert` on MongoDB: an aggregation whose document count must be `expect_rows`.

use serde_json::Value as Json;
use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::Assert;
use strata_core::Refusal;
use strata_core::{Action, ActionKind, Analysis, Result, StepContext};

use super::sql::missing;
use super::{count, Analyzer, Compiler};

pub fn analyze_assert(s: &Assert) -> Analysis {
    if s.mongodb.is_none() {
        return Analysis::refused(Refusal::unsupported(missing("aggregation")));
    }
    Analysis::default()
}

impl AnalyzeKind<Assert> for Analyzer<'_> {
    async fn analyze(&self, _: StepContext<'_>, s: &Assert) -> Result<Analysis> {
        Ok(analyze_assert(s))
    }
}

impl CompileKind<Assert> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &Assert) -> Result<Vec<Action>> {
        let spec = s
            .mongodb
            .clone()
            .ok_or_else(|| ctx.error(missing("aggregation")))?;
        let collection = spec["aggregate"].as_str().ok_or_else(|| {
            ctx.error("field `mongodb`: expected { aggregate = \"collection\", pipeline = [...] }")
        })?;
        let pipeline: Vec<Json> = spec["pipeline"].as_array().cloned().unwrap_or_default();
        Ok(vec![Action::check(
            ctx.step.index,
            ActionKind::Check,
            format!(
                "assert: the aggregation returns {} documents",
                s.expect_rows
            ),
            count(collection, pipeline),
            s.expect_rows as i64,
            "assertion failed",
        )])
    }
}

strata_core::golden_test!("assert");
