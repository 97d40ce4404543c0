//! The golden statements of MongoDB's compile files: each kind's steps
//! ([`steps_of`]) compiled against the shared schema ([`SETUP`]) with no database, compared
//! with `golden/<op>.txt` (`STRATA_UPDATE_GOLDEN=1` rewrites them).

use std::path::Path;

use strata_core::schema::Snapshot;
use strata_core::steps::Step;
use strata_core::testing::golden::{steps_of, Golden, SETUP};
use strata_core::{PortableType, TypeMapper};

struct Types;

impl TypeMapper for Types {
    fn native_type(&self, ty: PortableType) -> String {
        crate::meta::bson_type(ty).unwrap_or("any").to_owned()
    }
}

/// Checks the statements of `op`'s golden steps.
pub fn check(op: &str) {
    let compile = super::compile;
    let golden = Golden {
        types: &Types,
        text: &|step: &Step, _: &Snapshot, after: &mut Snapshot| super::simulate(step, after),
        compile: &compile,
        inspected: &|_: &mut Snapshot| {},
    };
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/compile/golden")
        .join(format!("{op}.txt"));
    golden.check(&file, SETUP, steps_of(op));
}
