//! `add_foreign_key` on MySQL: orphans counted and handled as on every engine (each deleted
//! or changed row backed up first); the index MySQL needs on the key columns is found or
//! created; the key is added with `foreign_key_checks` on, so the server checks every row.
//! Rollback drops the key (and the index strata made), restores the orphans and re-adds the
//! replaced key.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, OrphanMode};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};
use strata_sql::orphans::{self, Undo};

use super::{
    backup, constraint_absent, constraint_exists, index_absent, index_exists, online,
    orphan_filter, select_keyed, Analyzer, Checked, Compiler, ONLINE,
};
use crate::dialect::My;
use crate::sql::{ident, idents, join_on, table as qtable};

struct Plan<'a> {
    child: &'a Table,
    parent: &'a Table,
}

fn check<'a>(ctx: &StepContext<'a>, s: &AddForeignKey) -> Checked<Plan<'a>> {
    let (child, parent) = s.preflight(ctx.snapshot, &super::RULES)?;
    // The index the server or strata made for a key dropped earlier in this migration stays
    // behind, and a key of the same name re-added over it leaves rollback unable to tell
    // whose it is (generative seed 16222318506077162878: rollback kept the index).
    let name = s.name.as_deref();
    let dropped_here = ctx.migration.steps.iter().any(|e| {
        e.index < ctx.step.index
            && matches!(&e.kind, strata_core::StepKind::DropForeignKey(d)
                if d.table == s.table && Some(d.name.as_str()) == name)
    });
    if dropped_here {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "foreign key {} is dropped by an earlier step of this migration; on MySQL add it again in a migration of its own, so rollback can give back exactly the index the first one left",
            name.unwrap_or_default()
        )));
    }
    for (c, p) in s.columns.iter().zip(&s.references.columns) {
        let (Some(cc), Some(pc)) = (child.column(c), parent.column(p)) else {
            continue;
        };
        if !comparable(&cc.native_type, &pc.native_type) {
            return Err(Refusal::new(RefusalKind::Invalid, format!(
                "column \"{c}\" ({}) and \"{}\".\"{p}\" ({}) differ in type; InnoDB needs the same integer or decimal type on both sides of a foreign key (strings may differ in length): change one first",
                cc.native_type, parent.name, pc.native_type
            )));
        }
    }
    // MariaDB allows no CHECK on a column a key may set to NULL or update (error 1901).
    let sets_column = s.on_delete == strata_core::steps::ReferentialAction::SetNull
        || matches!(
            s.on_update,
            strata_core::steps::ReferentialAction::SetNull
                | strata_core::steps::ReferentialAction::Cascade
        );
    if sets_column {
        for c in &s.columns {
            if let Some(k) = super::change_type::checks_naming(child, c).next() {
                return Err(Refusal::new(RefusalKind::Dependents, format!(
                    "CHECK constraint {} names column \"{c}\", which this key's ON DELETE/UPDATE action would set; MySQL allows neither with the other: drop the CHECK first or use another action",
                    k.name
                )));
            }
        }
    }
    Ok(Plan { child, parent })
}

/// Whether InnoDB accepts a foreign key from a column of type `a` to one of type `b`:
/// "the size and sign of fixed precision types must be the same; the length of string types
/// need not be" (MySQL reference, FOREIGN KEY constraints).
fn comparable(a: &str, b: &str) -> bool {
    let base = |t: &str| {
        let t = t.to_ascii_lowercase();
        let name = t.split('(').next().unwrap_or_default().trim().to_owned();
        let unsigned = t.contains("unsigned");
        (name, unsigned, t)
    };
    let ((na, ua, ta), (nb, ub, tb)) = (base(a), base(b));
    let stringy = |n: &str| ["char", "varchar", "binary", "varbinary"].contains(&n);
    if stringy(&na) && stringy(&nb) {
        return (na.contains("binary")) == (nb.contains("binary"));
    }
    if na == "decimal" {
        return ta == tb;
    }
    na == nb && ua == ub
}

impl AnalyzeKind<AddForeignKey> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Analysis> {
        let counter = self.counter;
        let plan = strata_core::refuse_unless!(check(&ctx, s));
        let filter = orphan_filter(plan.parent, &s.columns, &s.references.columns);
        let mut a = Analysis::of_table(plan.child);
        a.warnings.extend(super::implicit_indexes::key_warnings(
            plan.child,
            &s.columns,
            &s.constraint_name(),
        ));
        a.findings
            .push(strata_sql::orphans_finding(counter, s, plan.child, plan.parent, &filter).await?);
        Ok(a)
    }
}

impl CompileKind<AddForeignKey> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Vec<Action>> {
        let Plan { child, parent } = ctx.checked(check(&ctx, s))?;
        let step = ctx.step.index;
        let (ctbl, cname) = (qtable(&child.name), child.name.name.as_str());
        let name = s.constraint_name();
        let mut actions = Vec::new();
        if let Some(old) = &s.replace {
            let def = &child.constraint(old).expect("checked").definition;
            let drop = format!("ALTER TABLE {ctbl} DROP FOREIGN KEY {}", ident(old));
            let add = format!("ALTER TABLE {ctbl} ADD {def}");
            actions.push(
                orphans::drop_replaced(step, old, drop, add)
                    .outside_transaction()
                    .with_probe(Statement::Sql(constraint_absent(cname, old)))
                    .with_undo_probe(Statement::Sql(constraint_exists(cname, old))),
            );
        }
        let filter = orphan_filter(parent, &s.columns, &s.references.columns);
        let bak = ctx.backup_name(&child.name, Some("orphans"));
        match s.orphans {
            OrphanMode::Fail => {
                actions.push(orphans::none_check::<My>(step, child, parent, &filter))
            }
            OrphanMode::Delete => {
                let cols: Vec<String> = child.columns.iter().map(|c| c.name.clone()).collect();
                let same: Vec<String> = cols
                    .iter()
                    .map(|k| format!("t.{q} <=> b.{q}", q = ident(k)))
                    .collect();
                // Only rows that are missing: if the runner died before the DELETE, none is.
                let restore = format!(
                    "INSERT INTO {ctbl} ({c}) SELECT {c} FROM {} b WHERE NOT EXISTS (SELECT 1 FROM {ctbl} t WHERE {})",
                    qtable(&bak),
                    same.join(" AND "),
                    c = idents(&cols)
                );
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &format!("SELECT c.* FROM {ctbl} c WHERE {filter}"),
                    &cols,
                    &orphans::deleted_rows(child),
                    restore,
                ));
                let delete = format!("DELETE c FROM {ctbl} c WHERE {filter}");
                actions.push(orphans::delete(step, child, delete, Undo::Backup));
            }
            OrphanMode::SetNull => {
                let (select, columns) = select_keyed(child, &s.columns, Some(&filter));
                let restore = format!(
                    "UPDATE {ctbl} t JOIN {} b ON {} SET {}",
                    qtable(&bak),
                    join_on("t", "b", &child.primary_key),
                    orphans::restored_keys::<My>(s, "t.")
                );
                let what = orphans::nulled_keys(child);
                actions.extend(backup(&ctx, &bak, &select, &columns, &what, restore));
                let update = format!(
                    "UPDATE {ctbl} c SET {} WHERE {filter}",
                    orphans::nulls::<My>(s, "c.")
                );
                actions.push(orphans::set_null(step, child, update, Undo::Backup));
            }
            OrphanMode::Placeholder => {
                // A placeholder raises the parent's AUTO_INCREMENT counter, which deleting it does
                // not lower: put back as read, after the placeholders are gone (this check's
                // inverse runs after the backup's on rollback).
                let next = parent
                    .sequences
                    .iter()
                    .find_map(|q| q.last_value)
                    .map(|last| i128::from(last) + 1);
                if let Some(next) = next {
                    actions.push(
                        Action::check(
                            step,
                            ActionKind::Check,
                            format!(
                            "note the AUTO_INCREMENT counter of {} ({}), which rollback puts back",
                            parent.name, next
                        ),
                            Statement::Sql("SELECT 0".into()),
                            0,
                            "never fails".to_owned(),
                        )
                        .outside_transaction()
                        .with_inverse(Statement::Sql(format!(
                            "ALTER TABLE {} AUTO_INCREMENT = {}",
                            qtable(&parent.name),
                            next
                        ))),
                    );
                }
                let (targets, sources) = orphans::placeholder_lists::<My>(s, parent);
                let ptbl = qtable(&parent.name);
                let remove = format!(
                    "DELETE p FROM {ptbl} p JOIN {} b ON {}",
                    qtable(&bak),
                    join_on("p", "b", &s.references.columns)
                );
                actions.extend(backup(
                    &ctx,
                    &bak,
                    &orphans::select_missing_keys::<My>(s, child, &filter),
                    &s.references.columns,
                    &orphans::missing_keys(parent),
                    remove,
                ));
                let insert = format!(
                    "INSERT INTO {ptbl} ({targets}) SELECT {sources} FROM {}",
                    qtable(&bak)
                );
                actions.push(orphans::placeholders(step, parent, insert, Undo::Backup));
            }
        }
        let indexed = child.primary_key.starts_with(&s.columns)
            || child
                .indexes
                .iter()
                .any(|i| i.columns.starts_with(&s.columns));
        if !indexed {
            let index = strata_core::steps::fit_identifier(&format!("{name}_idx"));
            actions.push(
                Action::new(
                    step,
                    ActionKind::Ddl,
                    online(format!(
                        "create index {index} on {}({}), which the foreign key needs",
                        child.name,
                        s.columns.join(", ")
                    )),
                    Statement::Sql(format!(
                        "ALTER TABLE {ctbl} ADD INDEX {} ({}){ONLINE}",
                        ident(&index),
                        idents(&s.columns)
                    )),
                )
                .outside_transaction()
                .with_probe(Statement::Sql(index_exists(cname, &index)))
                .with_inverse(Statement::Sql(format!(
                    "ALTER TABLE {ctbl} DROP INDEX {}",
                    ident(&index)
                )))
                .with_undo_probe(Statement::Sql(index_absent(cname, &index))),
            );
        }
        actions.push(
        Action::new(
            step,
            ActionKind::Ddl,
            format!("add foreign key {name} (the server checks every row)"),
            Statement::Sql(format!(
                "ALTER TABLE {ctbl} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                ident(&name),
                idents(&s.columns),
                qtable(&parent.name),
                idents(&s.references.columns),
                s.on_delete.sql(),
                s.on_update.sql()
            )),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(constraint_exists(cname, &name)))
        .with_inverse(Statement::Sql(format!("ALTER TABLE {ctbl} DROP FOREIGN KEY {}", ident(&name))))
        .with_undo_probe(Statement::Sql(constraint_absent(cname, &name))),
    );
        actions.extend(super::implicit_indexes::renamed(
            &ctx, child, &s.columns, &name,
        ));
        Ok(actions)
    }
}

strata_core::golden_test!("add_foreign_key");
