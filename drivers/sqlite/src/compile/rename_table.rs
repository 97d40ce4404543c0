//! `rename_table` on SQLite: `ALTER TABLE … RENAME TO` with `legacy_alter_table` off for its
//! statement, so views, triggers and other tables' foreign keys follow the table. SQLite
//! writes the new name double-quoted wherever it rewrites it (`renameTableFunc`), and so does
//! the rename back: an object that spells the name otherwise comes back requoted, and the plan
//! names it.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::steps::RenameTable;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{Analyzer, Compiler, RULES};
use crate::ddl::refs::spellings;
use crate::ddl::{parse, rename};
use crate::sql::ident;

impl AnalyzeKind<RenameTable> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Analysis> {
        let session = self.counter.source;
        let t = strata_core::refuse_unless!(s.preflight(ctx.snapshot, &RULES));
        let (name, quoted) = (&s.table.name, ident(&s.table.name));
        let requoted = |sql: &str| spellings(sql, name).iter().any(|w| *w != quoted);
        let mut objects = Vec::new();
        // Renaming a text to the same name writes it as the rename back will.
        let comes_back = |sql: &str, own: bool| {
            parse(sql).is_ok_and(|p| {
                let back = if own {
                    rename::table_in_table(&p, name, name)
                } else {
                    rename::table_in_references(&p, name, name)
                };
                back.is_none_or(|b| b == sql)
            })
        };
        for other in ctx.snapshot.tables.values() {
            let own = other.name == t.name;
            if other
                .definition
                .as_deref()
                .is_some_and(|d| !comes_back(d, own))
            {
                objects.push(format!("table {}", other.name));
            }
            if own {
                for i in t.indexes.iter().filter(|i| requoted(&i.definition)) {
                    objects.push(format!("index {}", i.name));
                }
            }
            for tr in other.triggers.iter().filter(|tr| requoted(&tr.definition)) {
                objects.push(format!("trigger {}", tr.name));
            }
        }
        for (view, sql) in super::uses::views(session).await? {
            if requoted(&sql) {
                objects.push(format!("view {view}"));
            }
        }
        let mut a = Analysis::of_table(t);
        if !objects.is_empty() {
            a.warnings.push(format!(
            "rollback renames the table back with SQLite's RENAME TO, which writes its name as \
             {quoted} where {} spell it otherwise: the same schema, in other quotes",
            objects.join(", ")
        ));
        }
        Ok(a)
    }
}

impl CompileKind<RenameTable> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &RenameTable) -> Result<Vec<Action>> {
        ctx.checked(s.preflight(ctx.snapshot, &RULES))?;
        // Here, unlike in a rebuild, references from other tables must follow the table.
        let rename = |from: &str, to: &str| {
            Statement::Sql(format!(
            "PRAGMA legacy_alter_table = OFF;\nALTER TABLE {} RENAME TO {};\nPRAGMA legacy_alter_table = ON",
            ident(from),
            ident(to)
        ))
        };
        Ok(vec![Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!("rename table {} to {}", s.table, s.to),
            rename(&s.table.name, &s.to),
        )
        .with_inverse(rename(&s.to, &s.table.name))])
    }
}

strata_core::golden_test!("rename_table");
