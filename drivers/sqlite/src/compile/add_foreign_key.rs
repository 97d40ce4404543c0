//! `add_foreign_key` on SQLite: a rebuild with the key written into the table's text; orphans
//! are handled first, and `pragma_foreign_key_check` confirms the result. Rollback rebuilds
//! the table from its previous text.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, OrphanMode};
use strata_core::Refusal;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use strata_sql::orphans::{self, Undo};

use super::backup::{backup, keyed_backup};
use super::table_text::{rebuild, rebuildable};
use super::{foreign_key_check, Analyzer, Compiler, RULES};
use crate::ddl::CreateTable;
use crate::dialect::Lite;
use crate::inspect;
use crate::sql::{ident, idents, join_on, table as qtable};

type AddChecks<'a> = (&'a Table, &'a Table, CreateTable<'a>, String);

/// The table constraint strata writes for the step's foreign key.
pub fn foreign_key_sql(s: &AddForeignKey) -> String {
    inspect::foreign_key(
        &s.constraint_name(),
        &s.columns,
        &s.references.table.name,
        &s.references.columns,
        s.on_delete.sql(),
        s.on_update.sql(),
    )
}

/// The child's text with the foreign key added, in place of the one it replaces (the same
/// text `crate::simulate` predicts).
pub fn with_foreign_key(
    text: &CreateTable<'_>,
    s: &AddForeignKey,
) -> std::result::Result<String, String> {
    let fk = foreign_key_sql(s);
    match &s.replace {
        Some(old) => text.replacing_foreign_key(old, Some(&fk)),
        None => Ok(text.with_constraint(&fk)),
    }
}

fn check_add<'a>(ctx: &StepContext<'a>, s: &AddForeignKey) -> Checked<AddChecks<'a>> {
    let (child, parent) = s.preflight(ctx.snapshot, &RULES)?;
    let text = rebuildable(child)?;
    let to = with_foreign_key(&text, s).map_err(Refusal::unsupported)?;
    Ok((child, parent, text, to))
}

/// Child rows (aliased `c`) whose complete key has no parent.
fn orphan_filter(s: &AddForeignKey, parent: &Table) -> String {
    super::QUOTING.orphan_filter(&parent.name, &s.columns, &s.references.columns)
}

impl AnalyzeKind<AddForeignKey> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Analysis> {
        let counter = self.counter;
        let (child, parent) = match check_add(&ctx, s) {
            Err(m) => return Ok(Analysis::refused(m)),
            Ok((child, parent, _, _)) => (child, parent),
        };
        let filter = orphan_filter(s, parent);
        let mut a = Analysis::of_table(child);
        a.findings
            .push(strata_sql::orphans_finding(counter, s, child, parent, &filter).await?);
        Ok(a)
    }
}

impl CompileKind<AddForeignKey> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Vec<Action>> {
        let (child, parent, text, to) = ctx.checked(check_add(&ctx, s))?;
        let step = ctx.step.index;
        let ctbl = qtable(&child.name);
        let filter = orphan_filter(s, parent);
        let bak = ctx.backup_name(&child.name, Some("orphans"));
        let description = format!("add foreign key {} (table rebuild)", s.constraint_name());
        let (guard, alter) = rebuild(&ctx, child, &text, &to, &[], &[], description)?;
        let mut actions = vec![guard];
        match s.orphans {
            OrphanMode::Fail => {}
            OrphanMode::Delete => {
                let cols: Vec<&str> = child.columns.iter().map(|c| c.name.as_str()).collect();
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &format!("SELECT c.* FROM {ctbl} c WHERE {filter}"),
                    &orphans::deleted_rows(child),
                    &[],
                ));
                let delete = format!("DELETE FROM {ctbl} AS c WHERE {filter}");
                let restore = super::autoincrement::keeping_counter(
                    child,
                    format!(
                        "INSERT INTO {ctbl} ({c}) SELECT {c} FROM {}",
                        qtable(&bak),
                        c = idents(&cols)
                    ),
                );
                let undo = Undo::Inverse(restore);
                actions.push(orphans::delete(step, child, delete, undo));
            }
            OrphanMode::SetNull => {
                actions.extend(keyed_backup(
                    &ctx,
                    &bak,
                    child,
                    &s.columns,
                    Some(&filter),
                    &orphans::nulled_keys(child),
                ));
                let update = format!(
                    "UPDATE {ctbl} AS c SET {} WHERE {filter}",
                    orphans::nulls::<Lite>(s, "")
                );
                let restore = format!(
                    "UPDATE {ctbl} SET {} FROM {} b WHERE {}",
                    orphans::restored_keys::<Lite>(s, ""),
                    qtable(&bak),
                    join_on(&ctbl, "b", &child.primary_key)
                );
                actions.push(orphans::set_null(
                    step,
                    child,
                    update,
                    Undo::Inverse(restore),
                ));
            }
            OrphanMode::Placeholder => {
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &orphans::select_missing_keys::<Lite>(s, child, &filter),
                    &orphans::missing_keys(parent),
                    &[],
                ));
                let refs = idents(&s.references.columns);
                let ptbl = qtable(&parent.name);
                let (targets, sources) = orphans::placeholder_lists::<Lite>(s, parent);
                let mut undo = vec![format!(
                    "DELETE FROM {ptbl} WHERE ({refs}) IN (SELECT {refs} FROM {})",
                    qtable(&bak)
                )];
                undo.extend(super::autoincrement::counter_as_read(parent));
                // A placeholder takes the defaults of the parent's other columns, which a UNIQUE
                // key, a NOT NULL or a CHECK of the parent may refuse (two placeholders repeat a
                // default under a unique key): such rows are skipped rather than failing the
                // statement, and the check after it refuses the migration, inside its
                // transaction, when any key is still missing.
                let insert = format!(
                    "INSERT OR IGNORE INTO {ptbl} ({targets}) SELECT {sources} FROM {}",
                    qtable(&bak)
                );
                let undo = Undo::Inverse(undo.join(";\n"));
                actions.push(orphans::placeholders(step, parent, insert, undo));
                let found: Vec<String> = s
                    .references
                    .columns
                    .iter()
                    .map(|p| format!("p.{q} = b.{q}", q = ident(p)))
                    .collect();
                actions.push(Action::check(
                    step,
                    ActionKind::Check,
                    format!(
                        "every missing key of {} has its placeholder row",
                        parent.name
                    ),
                    Statement::Sql(format!(
                    "SELECT COUNT(*) FROM {} b WHERE NOT EXISTS (SELECT 1 FROM {ptbl} p WHERE {})",
                    qtable(&bak),
                    found.join(" AND ")
                )),
                    0,
                    format!(
                    "orphans = \"placeholder\": {} refuses rows made of the missing keys and its \
                     other columns' defaults (a UNIQUE key, NOT NULL or CHECK of its own; two \
                     placeholders would repeat a default under a unique key); handle the orphans \
                     of {} another way",
                    parent.name, child.name
                ),
                ));
            }
        }
        actions.push(alter);
        actions.push(foreign_key_check(&ctx, child));
        Ok(actions)
    }
}

strata_core::golden_test!("add_foreign_key");
