//! `drop_index` on MongoDB (`dropIndexes`). Rollback re-creates the index from its spec.

use strata_core::driver::CompileKind;
use strata_core::steps::DropIndex;
use strata_core::{Action, Result, StepContext};

use super::keys::drop_index;
use super::{indexes, Compiler, RULES};

impl CompileKind<DropIndex> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
        let (t, index) = ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        let spec = indexes::spec_of(index).ok_or_else(|| {
            ctx.error(format!(
                "index {} of {} has no spec strata could re-create it from",
                s.name, t.name
            ))
        })?;
        Ok(vec![drop_index(&ctx, t, &s.name, spec, None)])
    }
}

strata_core::golden_test!("drop_index");
