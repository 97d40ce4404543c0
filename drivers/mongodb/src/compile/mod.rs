//! Steps → command documents on MongoDB. Every command is idempotent — creating what exists,
//! dropping what is gone, `$out` and `$merge` copies, updates whose filter excludes what they
//! already changed — so an interrupted action is simply run again.

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_unique;
mod assert;
mod backfill;
mod change_type;
mod columns;
mod create_table;
mod documents;
mod drop_column;
mod drop_default;
mod drop_foreign_key;
mod drop_index;
mod drop_not_null;
mod drop_table;
mod earlier;
#[cfg(test)]
mod golden;
mod indexes;
mod keys;
mod metadata;
mod rename_column;
mod rename_table;
mod set_default;
mod set_not_null;
mod simulate;
mod sql;
mod writes;

use serde_json::Value as Json;
use strata_core::preflight::Rules;
use strata_core::{Action, Analysis, Result, Statement, StepContext, StepKind};
use strata_core::{Refusal, RefusalKind};

use crate::connection::Session;
pub(crate) use add_foreign_key::orphans;
use documents::{
    backup, batch, collide, count, dml, examples, rename_in_place, restore, with_markers,
};
pub(crate) use documents::{count_command, required_by};
pub(crate) use metadata::meta_of;
use metadata::{definition, managed, meta_with, referencing, schema_action, user_validator_in};
pub use simulate::simulate;

/// What MongoDB does not take in a collection name: `$` (a dot reads as a schema, which
/// MongoDB has none of, and is refused as such; fields have their own rules, checked with
/// each step).
fn forbidden_name(what: &str, name: &str) -> Option<String> {
    (what == "table name" && name.contains('$'))
        .then(|| "MongoDB collection names may not contain `$`".into())
}

/// What MongoDB allows in names (a namespace is at most 255 bytes with its database).
pub const RULES: Rules = Rules {
    engine: "MongoDB",
    max_name: 120,
    name_in_bytes: true,
    schemas: false,
    row_ids: true,
    forbidden: forbidden_name,
};

/// Why MongoDB would not read `name` as the one top-level field strata means in the filters,
/// `$set`/`$unset` paths and `"$field"` expressions it writes (MongoDB allows such names in
/// stored documents from 5.0 on, but not in those places); `None` for a plain name.
fn path_like(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("an empty name is no field path")
    } else if name.contains('.') {
        Some("MongoDB reads a \".\" in a field name as a path into an embedded document")
    } else if name.starts_with('$') {
        Some("MongoDB reads a leading \"$\" as an operator in a filter or update, and as a variable in an expression")
    } else if name.contains('\0') {
        Some("a NUL ends a name in BSON")
    } else {
        None
    }
}

/// The refusal of a step naming a field strata cannot address (see [`path_like`]): every
/// field it names, existing or new, backfill `set` and `where` keys included.
fn unaddressable(step: &StepKind) -> Option<String> {
    let names = step.spec().columns();
    names.iter().find_map(|n| {
        path_like(n).map(|why| {
            format!(
                "field \"{n}\": {why}, so strata's filters, updates and expressions would address another field; rename it first with a `sql` step (an update pipeline reaches it with `$getField` and `$setField`)"
            )
        })
    })
}

/// What MongoDB's analysis of a step reads: the session.
pub struct Analyzer<'a> {
    session: &'a Session,
}

/// MongoDB's compilation of a step, which reads nothing beyond the step and its schema.
pub struct Compiler;

/// Compiles one step.
pub fn compile(ctx: StepContext<'_>) -> Result<Vec<Action>> {
    if let Some(m) = unaddressable(&ctx.step.kind) {
        return Err(ctx.error(m));
    }
    strata_core::driver::compile_step(&Compiler, ctx)
}

// The kinds this driver analyzes on the schema alone (core's `SchemaAnalysis`).
strata_core::analyze_on_schema!(
    Analyzer<'_>,
    RULES,
    [CreateTable, DropTable, DropIndex, DropForeignKey]
);

/// Analyzes one step on the live data.
pub async fn analyze(session: &Session, ctx: StepContext<'_>) -> Result<Analysis> {
    if let Some(m) = unaddressable(&ctx.step.kind) {
        return Ok(Analysis::refused(Refusal::new(RefusalKind::Name, m)));
    }
    strata_core::driver::analyze_step(&Analyzer { session }, ctx).await
}

/// Refuses a step that would break the views `users` that name the field `field`.
fn breaks(
    users: Vec<String>,
    what: &str,
    field: &str,
    done: &str,
) -> strata_core::preflight::Checked<()> {
    if users.is_empty() {
        return Ok(());
    }
    Err(Refusal::new(RefusalKind::Dependents, format!(
        "{} name {what} \"{field}\" in their pipelines and would break once it is {done}; drop them first (sql step) and re-create them after",
        users.join(", ")
    )))
}

/// A command statement.
fn cmd(v: Json) -> Statement {
    Statement::Command(v)
}
