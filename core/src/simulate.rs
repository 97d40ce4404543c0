//! The schema as it will be after a step: the planner compiles each step against the live
//! schema with the earlier steps of the plan applied, so that a migration may create a table
//! and alter it in later steps.

use crate::driver::{StepCompiler, TypeMapper};
use crate::schema::Snapshot;
use crate::steps::{Step, StepKind};

/// Applies the schema effect of `step` to `snapshot`: the portable effect here, with the
/// engine's types from `types`, then the engine's own text ([`StepCompiler::simulate`]).
/// Steps whose effect strata cannot know (`sql`) leave it unchanged; data-only steps change
/// nothing.
pub fn apply_step(
    snapshot: &mut Snapshot,
    step: &Step,
    types: &dyn TypeMapper,
    text: &dyn StepCompiler,
) {
    let before = snapshot.clone();
    apply_portable(snapshot, &step.kind, types);
    text.simulate(step, &before, snapshot);
}

/// The portable effect of `step` alone, the engine's text left as it was: each kind's
/// [`StepSpec::simulate`](crate::steps::StepSpec::simulate).
pub fn apply_portable(snapshot: &mut Snapshot, step: &StepKind, types: &dyn TypeMapper) {
    step.spec().simulate(snapshot, types);
}
