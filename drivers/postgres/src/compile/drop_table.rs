//! `drop_table` on PostgreSQL. With a backup (the default) the table is not dropped but set
//! aside: renamed to `strata_bak_<v>_<table>`, its indexes (and so its key and unique
//! constraints) renamed after it so that their names are free, and its foreign keys dropped
//! (the parents' rows must not stay tied to rows nobody sees). Everything else it has stays
//! as it is — columns, defaults, sequences with their values, triggers, rules, policies,
//! owner, grants, comments, storage options, every row — and rollback renames it all back
//! and re-adds the keys: exact, and as fast as a rename, whatever the size. Without a backup,
//! `DROP TABLE`.

use strata_core::driver::CompileKind;
use strata_core::schema::{ConstraintKind, Table};
use strata_core::steps::DropTable;
use strata_core::{Action, ActionKind, QualifiedName, Result, Statement, StepContext};

use super::Compiler;
use crate::sql::{ident, string, table as qtable};

impl CompileKind<DropTable> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropTable) -> Result<Vec<Action>> {
        let t = ctx.checked(s.preflight(ctx.snapshot, &super::RULES))?;
        let step = ctx.step.index;
        if !s.backup {
            return Ok(vec![Action::new(
                step,
                ActionKind::Ddl,
                format!("drop table {}", t.name),
                Statement::Sql(format!("DROP TABLE {}", qtable(&t.name))),
            )
            .destructive()]);
        }
        let bak = ctx.backup_name(&t.name, None);
        let (aside, back) = set_aside(t, &bak);
        Ok(vec![
            Action::new(
                step,
                ActionKind::Backup,
                format!(
                "set table {} aside as {bak} (renamed with its indexes; its foreign keys dropped)",
                t.name
            ),
                Statement::Sql(aside),
            )
            .with_inverse(Statement::Sql(back))
            .creates_backup(bak.to_string()),
            Action::check(
                step,
                ActionKind::Verify,
                format!("verify backup {bak} is the table, set aside"),
                Statement::Sql(format!(
                    "SELECT count(*)::bigint FROM pg_class WHERE oid = to_regclass({})",
                    string(&qtable(&bak))
                )),
                1,
                format!("{} was not set aside as {bak}", t.name),
            ),
        ])
    }
}

/// The name an index of the table takes while it is set aside.
fn aside_name(bak: &QualifiedName, index: &str) -> String {
    strata_core::steps::fit_identifier(&format!("{}_{index}", bak.name))
}

/// The statements setting `t` aside as `bak`, and those putting it back.
fn set_aside(t: &Table, bak: &QualifiedName) -> (String, String) {
    let tbl = qtable(&t.name);
    let indexes: Vec<&str> = t
        .indexes
        .iter()
        .map(|i| i.name.as_str())
        .chain(
            t.constraints
                .iter()
                .filter(|c| {
                    matches!(
                        c.kind,
                        ConstraintKind::PrimaryKey
                            | ConstraintKind::Unique
                            | ConstraintKind::Exclusion
                    )
                })
                .map(|c| c.name.as_str()),
        )
        .collect();
    let keys: Vec<&strata_core::schema::Constraint> = t
        .constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::ForeignKey)
        .collect();
    let index = |name: &str| qtable(&t.name.with_name(name));
    let mut aside: Vec<String> = keys
        .iter()
        .map(|k| format!("ALTER TABLE {tbl} DROP CONSTRAINT {}", ident(&k.name)))
        .collect();
    aside.push(format!("ALTER TABLE {tbl} RENAME TO {}", ident(&bak.name)));
    aside.extend(indexes.iter().map(|i| {
        format!(
            "ALTER INDEX {} RENAME TO {}",
            index(i),
            ident(&aside_name(bak, i))
        )
    }));
    let mut back: Vec<String> = indexes
        .iter()
        .map(|i| {
            format!(
                "ALTER INDEX {} RENAME TO {}",
                index(&aside_name(bak, i)),
                ident(i)
            )
        })
        .collect();
    back.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        qtable(bak),
        ident(&t.name.name)
    ));
    back.extend(keys.iter().map(|k| {
        format!(
            "ALTER TABLE {tbl} ADD CONSTRAINT {} {}",
            ident(&k.name),
            k.definition
        )
    }));
    (aside.join(";\n"), back.join(";\n"))
}

strata_core::golden_test!("drop_table");
