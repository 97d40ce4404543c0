//! `add_foreign_key` on PostgreSQL.
//!
//! Pre-flight: count the orphans (child rows whose non-NULL key has no parent). Apply: drop
//! the replaced key if any; handle orphans per `orphans`, backing up every row deleted or
//! changed (or recording the placeholder parents inserted); add the key `NOT VALID`, then
//! `VALIDATE CONSTRAINT`, which checks existing rows without blocking writes. Rollback drops
//! the new key, restores the orphans and re-creates the replaced key.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, OrphanMode};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use strata_sql::orphans::{self, Undo};

use super::{backup, select_keyed, Analyzer, Checked, Compiler};
use crate::dialect::Pg;
use crate::sql::{ident, idents, join_on, table as qtable};

struct Plan<'a> {
    child: &'a Table,
    parent: &'a Table,
}

fn check<'a>(ctx: &StepContext<'a>, s: &AddForeignKey) -> Checked<Plan<'a>> {
    let (child, parent) = s.preflight(ctx.snapshot, &super::RULES)?;
    Ok(Plan { child, parent })
}

/// Child rows (aliased `c`) whose complete key has no parent.
fn orphan_filter(s: &AddForeignKey, parent: &Table) -> String {
    super::QUOTING.orphan_filter(&parent.name, &s.columns, &s.references.columns)
}

impl AnalyzeKind<AddForeignKey> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Analysis> {
        let counter = self.counter;
        let plan = strata_core::refuse_unless!(check(&ctx, s));
        let filter = orphan_filter(s, plan.parent);
        let mut a = Analysis::of_table(plan.child);
        if s.orphans == OrphanMode::Placeholder {
            if let Some(refusal) = unfit_placeholders(self, s, &plan, &filter).await? {
                return Ok(Analysis::refused(refusal));
            }
        }
        a.findings
            .push(strata_sql::orphans_finding(counter, s, plan.child, plan.parent, &filter).await?);
        Ok(a)
    }
}

/// For `orphans = "placeholder"`: the refusal when an orphan's key does not fit the parent's
/// key column (a `bigint` child key past the range of an `integer` parent key): no parent row
/// can hold it, and the placeholder insert would fail halfway through the migration.
async fn unfit_placeholders(
    analyzer: &Analyzer<'_>,
    s: &AddForeignKey,
    plan: &Plan<'_>,
    filter: &str,
) -> Result<Option<strata_core::Refusal>> {
    let casts = analyzer.casts;
    for (child_col, parent_col) in s.columns.iter().zip(&s.references.columns) {
        let (Some(c), Some(p)) = (plan.child.column(child_col), plan.parent.column(parent_col))
        else {
            continue;
        };
        if c.native_type == p.native_type {
            continue;
        }
        if casts.needs_probe(&c.native_type, &p.native_type) && !analyzer.counter.is_recording() {
            analyzer
                .counter
                .source
                .execute(super::conversion::CAST_PROBE)
                .await?;
        }
        let fails = casts.fails(
            &format!("c.{}", ident(&c.name)),
            &c.native_type,
            &p.native_type,
        );
        let n = analyzer
            .counter
            .count(plan.child, &format!("{filter} AND {fails}"))
            .await?;
        if n > 0 {
            return Ok(Some(strata_core::Refusal::new(
                strata_core::RefusalKind::Incompatible,
                format!(
                    "{n} orphan rows of {} hold a {} that does not fit {}.{} ({}): no placeholder parent row can hold it; use orphans = \"delete\" or \"set_null\", or widen {} first",
                    plan.child.name, c.name, plan.parent.name, p.name, p.native_type, p.name
                ),
            )));
        }
    }
    Ok(None)
}

impl CompileKind<AddForeignKey> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Vec<Action>> {
        let Plan { child, parent } = ctx.checked(check(&ctx, s))?;
        let step = ctx.step.index;
        let ctbl = qtable(&child.name);
        let name = s.constraint_name();
        let mut actions = Vec::new();
        if let Some(old) = &s.replace {
            let def = &child.constraint(old).expect("checked").definition;
            let drop = format!("ALTER TABLE {ctbl} DROP CONSTRAINT {}", ident(old));
            let add = format!("ALTER TABLE {ctbl} ADD CONSTRAINT {} {def}", ident(old));
            actions.push(orphans::drop_replaced(step, old, drop, add));
        }
        let filter = orphan_filter(s, parent);
        let bak = ctx.backup_name(&child.name, Some("orphans"));
        match s.orphans {
            OrphanMode::Fail => {
                actions.push(orphans::none_check::<Pg>(step, child, parent, &filter))
            }
            OrphanMode::Delete => {
                let cols: Vec<&str> = child.columns.iter().map(|c| c.name.as_str()).collect();
                let overriding = if child.columns.iter().any(|c| c.identity.is_some()) {
                    " OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                };
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &format!("SELECT c.* FROM {ctbl} c WHERE {filter}"),
                    &orphans::deleted_rows(child),
                ));
                let delete = format!("DELETE FROM {ctbl} c WHERE {filter}");
                let restore = format!(
                    "INSERT INTO {ctbl} ({cols}){overriding} SELECT {cols} FROM {}",
                    qtable(&bak),
                    cols = idents(&cols)
                );
                let undo = Undo::Inverse(restore);
                actions.push(orphans::delete(step, child, delete, undo));
            }
            OrphanMode::SetNull => {
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &select_keyed(child, &s.columns, Some(&filter)),
                    &orphans::nulled_keys(child),
                ));
                let update = format!(
                    "UPDATE {ctbl} c SET {} WHERE {filter}",
                    orphans::nulls::<Pg>(s, "")
                );
                let restore = format!(
                    "UPDATE {ctbl} t SET {} FROM {} b WHERE {}",
                    orphans::restored_keys::<Pg>(s, ""),
                    qtable(&bak),
                    join_on("t", "b", &child.primary_key)
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
                    &orphans::select_missing_keys::<Pg>(s, child, &filter),
                    &orphans::missing_keys(parent),
                ));
                let (targets, sources) = orphans::placeholder_lists::<Pg>(s, parent);
                let ptbl = qtable(&parent.name);
                let insert = format!(
                    "INSERT INTO {ptbl} ({targets}) SELECT {sources} FROM {}",
                    qtable(&bak)
                );
                let remove = format!(
                    "DELETE FROM {ptbl} p USING {} b WHERE {}",
                    qtable(&bak),
                    join_on("p", "b", &s.references.columns)
                );
                actions.push(orphans::placeholders(
                    step,
                    parent,
                    insert,
                    Undo::Inverse(remove),
                ));
            }
        }
        let add = format!(
        "ALTER TABLE {ctbl} ADD CONSTRAINT {n} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {} NOT VALID;\nALTER TABLE {ctbl} VALIDATE CONSTRAINT {n}",
        idents(&s.columns),
        qtable(&parent.name),
        idents(&s.references.columns),
        s.on_delete.sql(),
        s.on_update.sql(),
        n = ident(&name)
    );
        actions.push(
            Action::new(
                step,
                ActionKind::Ddl,
                format!("add foreign key {name} (NOT VALID, then VALIDATE)"),
                Statement::Sql(add),
            )
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {ctbl} DROP CONSTRAINT IF EXISTS {}",
                ident(&name)
            ))),
        );
        Ok(actions)
    }
}

strata_core::golden_test!("add_foreign_key");
