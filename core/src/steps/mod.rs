//! The portable step vocabulary (DESIGN §2): one file per step kind, each with its fields,
//! their validation, its documentation, its schema pre-flight (`<Kind>::preflight`) and its
//! effect on the simulated schema (`StepSpec::simulate`). Drivers compile steps into actions.

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_unique;
mod assert;
mod backfill;
mod change_type;
mod create_table;
mod drop_column;
mod drop_default;
mod drop_foreign_key;
mod drop_index;
mod drop_not_null;
mod drop_table;
mod options;
mod rename_column;
mod rename_table;
pub mod rules;
mod set_default;
mod set_not_null;
mod sql;

pub use crate::name::{check_identifier, fit_identifier, QualifiedName, MAX_GENERATED_NAME};
pub use add_column::AddColumn;
pub use add_foreign_key::{AddForeignKey, References};
pub use add_index::{AddIndex, NewIndex};
pub use add_unique::AddUnique;
pub use assert::Assert;
pub use backfill::Backfill;
pub use change_type::ChangeType;
pub use create_table::{ColumnSpec, CreateTable};
pub use drop_column::DropColumn;
pub use drop_default::DropDefault;
pub use drop_foreign_key::DropForeignKey;
pub use drop_index::DropIndex;
pub use drop_not_null::DropNotNull;
pub use drop_table::DropTable;
pub use options::{
    ChangeCategory, EngineTexts, OnIncompatible, OrphanMode, ReferentialAction, Reversibility,
};
pub use rename_column::RenameColumn;
pub use rename_table::RenameTable;
pub use set_default::SetDefault;
pub use set_not_null::SetNotNull;
pub use sql::Sql;

use serde::Serialize;

use crate::schema::{Column, Snapshot, Table};
use crate::types::TypeMapper;
use crate::PortableType;

fn yes() -> bool {
    true
}

fn check_column(name: &str) -> Result<(), String> {
    check_identifier("name", name)
}

/// Checks a non-empty list of column names given in `field`.
fn check_columns(field: &str, names: &[String]) -> Result<(), String> {
    if names.is_empty() {
        return Err(format!("field `{field}`: at least one column is needed"));
    }
    for (i, c) in names.iter().enumerate() {
        check_column(c).map_err(|e| format!("field `{field}[{i}]`: {e}"))?;
    }
    Ok(())
}

/// What every step kind tells the planner about itself.
pub trait StepSpec {
    /// Checks the fields beyond what their types enforce; the message names the field.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
    /// The changes-summary row this step counts in.
    fn category(&self) -> ChangeCategory;
    /// How far `strata rollback` undoes it.
    fn reversibility(&self) -> Reversibility;
    /// A one-line description for plans and logs.
    fn describe(&self) -> String;
    /// The table it works on, if one.
    fn table(&self) -> Option<&QualifiedName>;
    /// Every column it names, existing or new (a backfill's `set` and `where` keys, a foreign
    /// key's referenced columns too), for an engine that restricts what a column may be
    /// called.
    fn columns(&self) -> Vec<&str>;
    /// Whether it deletes or overwrites stored values (backed up first unless told not to).
    fn destroys_data(&self) -> bool {
        false
    }
    /// Applies the step's portable effect to `schema`, the engine's native types taken from
    /// `types`: the schema a later step of the plan is compiled against (`simulate.rs`). A
    /// table it changes has [`Table::definition_stale`] set until the driver brings its own
    /// text up to date.
    fn simulate(&self, schema: &mut Snapshot, types: &dyn TypeMapper);
}

/// The table `name` of `schema`, about to be changed by a step: its engine text is stale.
fn altered<'a>(schema: &'a mut Snapshot, name: &QualifiedName) -> Option<&'a mut Table> {
    let t = schema.table_mut(&name.to_string())?;
    t.definition_stale = true;
    Some(t)
}

/// The column `column` of table `table`, about to be changed: its engine text is gone, and
/// its table's is stale.
fn altered_column<'a>(
    schema: &'a mut Snapshot,
    table: &QualifiedName,
    column: &str,
) -> Option<&'a mut Column> {
    let t = altered(schema, table)?;
    let i = t.columns.position(column)?;
    let c = &mut t.columns[i];
    c.definition = None;
    Some(c)
}

/// A column a step adds, as the engine will name its type.
fn new_column(
    name: &str,
    ty: PortableType,
    nullable: bool,
    position: u32,
    types: &dyn TypeMapper,
) -> Column {
    Column {
        name: name.to_owned(),
        position,
        native_type: types.native_type(ty),
        portable: Some(ty),
        nullable,
        default: None,
        identity: None,
        definition: None,
    }
}

macro_rules! define_step_kind {
    ($($op:literal => $variant:ident),* $(,)?) => {
        /// One step of a migration, by kind.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        #[allow(missing_docs)]
        pub enum StepKind {
            $($variant($variant),)*
        }

        /// Every `op` a migration file may use.
        pub const OPS: &[&str] = &[$($op),*];

        impl StepKind {
            /// The `op` spelling.
            pub fn op(&self) -> &'static str {
                match self {
                    $(StepKind::$variant(_) => $op,)*
                }
            }

            /// The step's planning facts.
            pub fn spec(&self) -> &dyn StepSpec {
                match self {
                    $(StepKind::$variant(s) => s,)*
                }
            }

            /// Builds the step of kind `op` from its fields (without `op` and `reason`).
            /// The error names the field at fault.
            pub fn from_fields(op: &str, fields: serde_json::Value) -> Result<StepKind, String> {
                match op {
                    $($op => deserialize(fields).map(StepKind::$variant),)*
                    other => Err(format!(
                        "unknown op \"{other}\" (expected one of {})",
                        OPS.join(", ")
                    )),
                }
            }
        }
    };
}

/// Calls `$then! { "op" => Variant, … }` with every step kind, in the order of DESIGN §2:
/// the one list that [`StepKind`] here and the per-kind dispatch of every driver
/// (`driver::kinds`) are generated from, so a kind added here is a compile error in every
/// driver until it handles it.
macro_rules! step_kinds {
    ($then:ident) => {
        $then! {
            "create_table" => CreateTable,
            "drop_table" => DropTable,
            "rename_table" => RenameTable,
            "add_column" => AddColumn,
            "drop_column" => DropColumn,
            "rename_column" => RenameColumn,
            "change_type" => ChangeType,
            "set_not_null" => SetNotNull,
            "drop_not_null" => DropNotNull,
            "set_default" => SetDefault,
            "drop_default" => DropDefault,
            "add_foreign_key" => AddForeignKey,
            "drop_foreign_key" => DropForeignKey,
            "add_index" => AddIndex,
            "drop_index" => DropIndex,
            "add_unique" => AddUnique,
            "backfill" => Backfill,
            "sql" => Sql,
            "assert" => Assert,
        }
    };
}
pub(crate) use step_kinds;

step_kinds!(define_step_kind);

/// Deserializes step fields, naming the field path in the error.
fn deserialize<T: serde::de::DeserializeOwned>(fields: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(fields).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path == "." || inner.starts_with("missing field") || inner.starts_with("unknown field") {
            inner
        } else {
            format!("field `{path}`: {inner}")
        }
    })
}

/// One step of a migration file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// 1-based position in the file.
    pub index: usize,
    /// Why the step exists; shown in plans and guides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What it does.
    #[serde(flatten)]
    pub kind: StepKind,
}

impl Step {
    /// The step's `op`.
    pub fn op(&self) -> &'static str {
        self.kind.op()
    }
}
