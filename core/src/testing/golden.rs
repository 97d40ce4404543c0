//! Golden statements for a driver's compile files: a step compiled against a schema built by
//! simulation alone (no database), its actions rendered as text and compared with a file
//! kept beside the code. `STRATA_UPDATE_GOLDEN=1` rewrites the files; a difference fails
//! with both texts.
//!
//! A driver's tests describe the schema with steps (`setup`, simulated and never compiled)
//! and the steps under test, and give the driver's own compilation and text simulation:
//!
//! ```
//! use strata_core::testing::golden::Golden;
//! # use strata_core::schema::Snapshot;
//! # use strata_core::steps::Step;
//! # use strata_core::{Action, PortableType, Statement, StepContext};
//! # struct Types;
//! # impl strata_core::TypeMapper for Types {
//! #     fn native_type(&self, ty: PortableType) -> String { ty.to_string() }
//! # }
//! fn compile(ctx: StepContext<'_>) -> strata_core::Result<Vec<Action>> {
//!     let strata_core::StepKind::DropTable(s) = &ctx.step.kind else { unreachable!() };
//!     Ok(vec![Action::new(ctx.step.index, strata_core::ActionKind::Ddl, "drop",
//!         Statement::Sql(format!("DROP TABLE {}", s.table)))])
//! }
//! let golden = Golden {
//!     types: &Types,
//!     text: &|_: &Step, _: &Snapshot, _: &mut Snapshot| {},
//!     compile: &compile,
//!     inspected: &|_: &mut Snapshot| {},
//! };
//! let setup = r#"
//! [[step]]
//! op = "create_table"
//! table = "users"
//! columns = [{ name = "id", type = "int64", primary_key = true }]
//! "#;
//! let text = golden.render(setup, "[[step]]\nop = \"drop_table\"\ntable = \"users\"\n");
//! assert!(text.contains("DROP TABLE users"), "{text}");
//! ```

use std::path::Path;

use crate::action::{Action, Statement};
use crate::error::Result;
use crate::migration::{parse_str, Format, Migration};
use crate::planning::StepContext;
use crate::schema::Snapshot;
use crate::simulate::apply_portable;
use crate::steps::Step;
use crate::types::TypeMapper;

/// Ends a driver's compile file with its golden test: `golden_test!("add_column")` is a
/// `#[cfg(test)]` module whose test calls the driver's `compile::golden::check("add_column")`.
#[macro_export]
macro_rules! golden_test {
    ($op:literal) => {
        #[cfg(test)]
        mod tests {
            #[test]
            fn statements() {
                super::super::golden::check($op);
            }
        }
    };
}

/// The rows every table of a golden schema holds, so that compilation sees a table in use.
pub const ROWS: u64 = 1000;

/// A driver's compilation, as the golden tests run it.
pub struct Golden<'a> {
    /// Its native types.
    pub types: &'a dyn TypeMapper,
    /// Its own text after a step (`StepCompiler::simulate`): `(step, before, after)`.
    pub text: &'a dyn Fn(&Step, &Snapshot, &mut Snapshot),
    /// Its compilation of one step.
    pub compile: &'a dyn Fn(StepContext<'_>) -> Result<Vec<Action>>,
    /// What its inspection reads beyond the simulation, written into the setup's schema (the
    /// exact definitions MySQL's `SHOW CREATE TABLE` gives); most drivers leave it alone.
    pub inspected: &'a dyn Fn(&mut Snapshot),
}

impl Golden<'_> {
    /// Applies the steps of `migration` to `schema`, as the planner's simulation does.
    fn simulate(&self, schema: &mut Snapshot, step: &Step) {
        let before = schema.clone();
        apply_portable(schema, &step.kind, self.types);
        (self.text)(step, &before, schema);
    }

    /// The schema the steps of `setup` (TOML) leave on an empty database, every table holding
    /// [`ROWS`] rows.
    pub fn schema(&self, setup: &str) -> Snapshot {
        let mut schema = Snapshot::default();
        for step in &migration("setup", setup).steps {
            self.simulate(&mut schema, step);
        }
        for t in schema.tables_mut() {
            t.rows = ROWS;
            t.definition_stale = false;
        }
        (self.inspected)(&mut schema);
        schema
    }

    /// The actions of every step of `steps` (TOML), compiled one after another against the
    /// schema `setup` leaves, rendered as text; a step the driver refuses renders its error.
    pub fn render(&self, setup: &str, steps: &str) -> String {
        let mut schema = self.schema(setup);
        let migration = migration("golden", steps);
        let mut out = String::new();
        for step in &migration.steps {
            out.push_str(&format!(
                "## step {}: {}\n",
                step.index,
                step.kind.spec().describe()
            ));
            let ctx = StepContext {
                migration: &migration,
                step,
                snapshot: &schema,
            };
            match (self.compile)(ctx) {
                Ok(actions) => actions
                    .iter()
                    .enumerate()
                    .for_each(|(i, a)| render(&mut out, i + 1, a)),
                Err(e) => out.push_str(&format!("refused: {e}\n")),
            }
            out.push('\n');
            self.simulate(&mut schema, step);
        }
        out
    }

    /// The golden test of op `op` in the driver crate at `manifest_dir`: its steps
    /// ([`steps_of`]) compiled against [`SETUP`], compared with
    /// `<manifest_dir>/src/compile/golden/<op>.txt`.
    pub fn check_op(&self, manifest_dir: &str, op: &str) {
        let file = Path::new(manifest_dir)
            .join("src/compile/golden")
            .join(format!("{op}.txt"));
        self.check(&file, SETUP, steps_of(op));
    }

    /// Compares [`Golden::render`] with the file `golden`, or writes it when
    /// `STRATA_UPDATE_GOLDEN` is set.
    pub fn check(&self, golden: &Path, setup: &str, steps: &str) {
        assert_golden(golden, &self.render(setup, steps));
    }
}

/// Compares `actual` with the file `golden`, or writes it when `STRATA_UPDATE_GOLDEN` is set.
pub fn assert_golden(golden: &Path, actual: &str) {
    if std::env::var_os("STRATA_UPDATE_GOLDEN").is_some() {
        if let Some(dir) = golden.parent() {
            std::fs::create_dir_all(dir).expect("golden directory");
        }
        std::fs::write(golden, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (STRATA_UPDATE_GOLDEN=1 writes it)",
            golden.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs from the compiled statements (STRATA_UPDATE_GOLDEN=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        golden.display()
    );
}

fn migration(name: &str, toml: &str) -> Migration {
    parse_str(&format!("{name}.toml"), toml, Format::Toml, 1, name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn render(out: &mut String, n: usize, a: &Action) {
    let mut flags = Vec::new();
    if a.destroys_data {
        flags.push("destroys data".to_owned());
    }
    if !a.transactional {
        flags.push("outside the transaction".to_owned());
    }
    if let Some(b) = &a.backup_object {
        flags.push(format!("backup {b}"));
    }
    if a.restored_by_backup {
        flags.push("restored by its backup".to_owned());
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    };
    out.push_str(&format!(
        "### {n}. {:?}: {}{flags}\n",
        a.kind, a.description
    ));
    statement(out, "", &a.forward);
    if a.kind.is_query() {
        out.push_str(&format!(
            "expect {}{}\n",
            a.expect,
            a.failure
                .as_ref()
                .map(|f| format!(", else: {f}"))
                .unwrap_or_default()
        ));
    }
    let parts: [(&str, Option<&Statement>); 5] = [
        ("inverse", a.inverse.as_ref()),
        ("done when", a.done_probe.as_ref()),
        ("cleanup", a.cleanup.as_ref()),
        ("undone when", a.undo_probe.as_ref()),
        ("more while", a.more.as_ref()),
    ];
    for (label, s) in parts {
        if let Some(s) = s {
            statement(out, label, s);
        }
    }
    if let Some((q, why)) = &a.undo_guard {
        statement(out, "undo only when 0", q);
        out.push_str(&format!("else: {why}\n"));
    }
}

fn statement(out: &mut String, label: &str, s: &Statement) {
    if !label.is_empty() {
        out.push_str(&format!("-- {label}\n"));
    }
    out.push_str(&s.to_string());
    out.push('\n');
}

/// The schema every driver's golden tests start from: two tables, a foreign key between them,
/// an index and defaults, the way an application's first migrations leave them.
pub const SETUP: &str = r#"
[[step]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "email", type = "string(255)", nullable = false },
  { name = "age", type = "string(10)" },
  { name = "nickname", type = "string(40)", default = "anon" },
]

[[step]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "user_id", type = "int64" },
  { name = "total", type = "decimal(10,2)", nullable = false, default = 0 },
]

[[step]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = { table = "users", columns = ["id"] }
name = "orders_user_fk"

[[step]]
op = "add_index"
table = "users"
columns = ["age"]
name = "users_age_idx"
"#;

/// The steps each kind's golden test compiles against [`SETUP`], the same on every engine.
pub fn steps_of(op: &str) -> &'static str {
    match op {
        "create_table" => {
            r#"
[[step]]
op = "create_table"
table = "audit"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "code", type = "string(20)", nullable = false, unique = true },
  { name = "at", type = "timestamp", nullable = false },
  { name = "note", type = "text", default = "n/a" },
]
"#
        }
        "drop_table" => {
            r#"
[[step]]
op = "drop_table"
table = "orders"

[[step]]
op = "drop_table"
table = "users"
"#
        }
        "rename_table" => {
            r#"
[[step]]
op = "rename_table"
table = "users"
to = "members"
"#
        }
        "add_column" => {
            r#"
[[step]]
op = "add_column"
table = "users"
column = "score"
type = "int32"

[[step]]
op = "add_column"
table = "users"
column = "status"
type = "string(20)"
nullable = false
default = "active"
"#
        }
        "drop_column" => {
            r#"
[[step]]
op = "drop_column"
table = "users"
column = "nickname"
"#
        }
        "rename_column" => {
            r#"
[[step]]
op = "rename_column"
table = "users"
column = "email"
to = "email_address"
"#
        }
        "change_type" => {
            r#"
[[step]]
op = "change_type"
table = "users"
column = "age"
to = "int32"
on_incompatible = "set_null"
"#
        }
        "set_not_null" => {
            r#"
[[step]]
op = "set_not_null"
table = "users"
column = "age"
fill = "unknown"
"#
        }
        "drop_not_null" => {
            r#"
[[step]]
op = "drop_not_null"
table = "users"
column = "email"
"#
        }
        "set_default" => {
            r#"
[[step]]
op = "set_default"
table = "users"
column = "age"
value = "18"
"#
        }
        "drop_default" => {
            r#"
[[step]]
op = "drop_default"
table = "users"
column = "nickname"
"#
        }
        "add_foreign_key" => {
            r#"
[[step]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = { table = "users", columns = ["id"] }
name = "orders_user_cascade_fk"
on_delete = "cascade"
orphans = "set_null"
replace = "orders_user_fk"
"#
        }
        "drop_foreign_key" => {
            r#"
[[step]]
op = "drop_foreign_key"
table = "orders"
name = "orders_user_fk"
"#
        }
        "add_index" => {
            r#"
[[step]]
op = "add_index"
table = "users"
columns = ["nickname", "age"]

[[step]]
op = "add_index"
table = "users"
columns = ["email"]
unique = true
name = "users_email_key"
"#
        }
        "drop_index" => {
            r#"
[[step]]
op = "drop_index"
table = "users"
name = "users_age_idx"
"#
        }
        "add_unique" => {
            r#"
[[step]]
op = "add_unique"
table = "users"
columns = ["email"]
"#
        }
        "backfill" => {
            r#"
[[step]]
op = "backfill"
table = "users"
set = { nickname = "anon" }
where_null = ["nickname"]
batch_size = 500
"#
        }
        "sql" => {
            r#"
[[step]]
op = "sql"
postgres = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
mysql = "SET @strata_golden = 1"
sqlite = "CREATE VIEW adults AS SELECT id FROM users WHERE age >= '18'"
mongodb = { ping = 1 }
down = { postgres = "DROP EXTENSION IF EXISTS pg_trgm", mysql = "SET @strata_golden = NULL", sqlite = "DROP VIEW adults", mongodb = { ping = 1 } }
"#
        }
        "assert" => {
            r#"
[[step]]
op = "assert"
postgres = "SELECT 1 FROM users WHERE email IS NULL"
mysql = "SELECT 1 FROM users WHERE email IS NULL"
sqlite = "SELECT 1 FROM users WHERE email IS NULL"
mongodb = { aggregate = "users", pipeline = [{ "$match" = { email = { "$exists" = false } } }] }
expect_rows = 0
"#
        }
        other => panic!("no golden steps for op {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_golden_steps_of_its_own_kind() {
        migration("setup", SETUP);
        for op in crate::steps::OPS {
            let m = migration(op, steps_of(op));
            assert!(m.steps.iter().all(|s| s.op() == *op), "{op}");
        }
    }
}
