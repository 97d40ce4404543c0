//! The golden statements of MySQL's compile files: each kind's steps
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
    let compiler = super::Compiler {
        flavor: crate::connection::Flavor::MariaDb,
    };
    let compile = |ctx: StepContext<'_>| strata_core::driver::compile_step(&compiler, ctx);
    let golden = Golden {
        types: &Types,
        text: &crate::simulate::simulate,
        compile: &compile,
        inspected: &show_create_table,
    };
    golden.check_op(env!("CARGO_MANIFEST_DIR"), op);
}

/// The definitions MariaDB's `SHOW CREATE TABLE` gives for the setup's tables, which the
/// compilation takes its exact inverses from.
fn show_create_table(schema: &mut Snapshot) {
    for t in schema.tables_mut() {
        let mut lines = Vec::new();
        for c in t.columns.iter_mut() {
            let null = match (&c.default, c.nullable) {
                (Some(d), _) => format!(" DEFAULT {}", d.replace('"', "'")),
                (None, true) => " DEFAULT NULL".to_owned(),
                (None, false) => String::new(),
            };
            let not_null = if c.nullable { "" } else { " NOT NULL" };
            let line = format!("`{}` {}{not_null}{null}", c.name, c.native_type);
            c.definition = Some(line.clone());
            lines.push(line);
        }
        lines.push(format!("PRIMARY KEY (`{}`)", t.primary_key.join("`,`")));
        for i in &mut t.indexes {
            let unique = if i.unique { "UNIQUE " } else { "" };
            i.definition = format!("{unique}KEY `{}` (`{}`)", i.name, i.columns.join("`,`"));
            lines.push(i.definition.clone());
        }
        for k in &mut t.constraints {
            if let Some(parent) = &k.references {
                k.definition = format!(
                    "CONSTRAINT `{}` FOREIGN KEY (`{}`) REFERENCES `{}` (`id`)",
                    k.name,
                    k.columns.join("`,`"),
                    parent.name
                );
                lines.push(k.definition.clone());
            }
        }
        t.definition = Some(format!(
            "CREATE TABLE `{}` (\n  {}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            t.name.name,
            lines.join(",\n  ")
        ));
    }
}
