//! The golden statements of PostgreSQL's compile files: each kind's steps
//! (`golden::steps_of`) compiled against the shared schema (`golden::SETUP`) with no database, compared
//! with `golden/<op>.txt` (`STRATA_UPDATE_GOLDEN=1` rewrites them).

use strata_core::schema::Snapshot;
use strata_core::testing::golden::Golden;
use strata_core::{PortableType, StepContext, TypeMapper};

struct Types;

impl TypeMapper for Types {
    fn native_type(&self, ty: PortableType) -> String {
        crate::types::native(ty)
    }
}

/// Checks the statements of `op`'s golden steps.
pub fn check(op: &str) {
    let found = super::Found::default();
    let compile = |ctx: StepContext<'_>| {
        strata_core::driver::compile_step(
            &super::Compiler {
                found: &found,
                casts: super::convertible::Casts {
                    version_num: 150000,
                },
            },
            ctx,
        )
    };
    let golden = Golden {
        types: &Types,
        text: &crate::simulate::simulate,
        compile: &compile,
        inspected: &|_: &mut Snapshot| {},
    };
    golden.check_op(env!("CARGO_MANIFEST_DIR"), op);
}
