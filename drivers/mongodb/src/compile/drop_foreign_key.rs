//! `drop_foreign_key` on MongoDB: the relation leaves strata's metadata. Rollback records it
//! again.

use strata_core::driver::CompileKind;
use strata_core::steps::DropForeignKey;
use strata_core::{Action, Result, StepContext};

use super::{meta_of, schema_action, Compiler, RULES};

impl CompileKind<DropForeignKey> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let t = RULES
            .table(ctx.snapshot, &s.table)
            .map_err(|m| ctx.error(m))?;
        let mut meta = meta_of(t);
        meta.relations.retain(|r| r.name != s.name);
        Ok(vec![schema_action(
            &ctx,
            t,
            &meta,
            format!("forget relation {} of {}", s.name, t.name),
        )])
    }
}

strata_core::golden_test!("drop_foreign_key");
