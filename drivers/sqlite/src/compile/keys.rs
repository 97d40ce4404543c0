//! Foreign keys (a table rebuild each way, orphans handled first) and indexes on SQLite.

use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::{AddForeignKey, DropForeignKey, DropIndex, OrphanMode, ReferentialAction};
use strata_core::{
    Action, ActionKind, Analysis, Finding, FindingKind, QualifiedName, Result, Statement,
    StepContext,
};

use super::{
    backup, examples, foreign_key_check, rebuild_action, rebuildable, select_keyed, Counter, RULES,
};
use crate::inspect;
use crate::rebuild::Shape;
use crate::sql::{ident, idents, join_on, table as qtable};

/// Child rows (aliased `c`) whose complete key has no parent.
fn orphan_filter(s: &AddForeignKey, parent: &Table) -> String {
    let present: Vec<String> = s
        .columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", ident(c)))
        .collect();
    let matches: Vec<String> = s
        .columns
        .iter()
        .zip(&s.references.columns)
        .map(|(c, p)| format!("p.{} = c.{}", ident(p), ident(c)))
        .collect();
    format!(
        "{} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
        present.join(" AND "),
        qtable(&parent.name),
        matches.join(" AND ")
    )
}

fn check<'a>(
    ctx: &StepContext<'a>,
    s: &AddForeignKey,
) -> preflight::Checked<(&'a Table, &'a Table)> {
    let (child, parent) = preflight::add_foreign_key(ctx, s, &RULES)?;
    rebuildable(child)?;
    Ok((child, parent))
}

pub async fn analyze_add_foreign_key(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &AddForeignKey,
) -> Result<Analysis> {
    let (child, parent) = match check(&ctx, s) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(x) => x,
    };
    let filter = orphan_filter(s, parent);
    let n = counter.count(child, &filter).await?;
    let key = s
        .columns
        .iter()
        .map(|c| format!("c.{}", ident(c)))
        .collect::<Vec<_>>()
        .join(" || ', ' || ");
    let shown = if n > 0 {
        examples(counter.source, child, &key, &filter).await?
    } else {
        vec![]
    };
    let (handling, blocking) =
        s.orphans
            .describe(n, &child.name.to_string(), &parent.name.to_string());
    let mut a = Analysis::of_table(child);
    a.findings.push(Finding {
        kind: FindingKind::Orphans,
        count: n,
        examples: shown,
        handling,
        blocking,
    });
    Ok(a)
}

fn action_sql(a: ReferentialAction) -> &'static str {
    a.sql()
}

pub fn compile_add_foreign_key(ctx: StepContext<'_>, s: &AddForeignKey) -> Result<Vec<Action>> {
    let (child, parent) = check(&ctx, s).map_err(|m| ctx.error(m))?;
    let step = ctx.step.index;
    let ctbl = qtable(&child.name);
    let filter = orphan_filter(s, parent);
    let bak = ctx.backup_name(&child.name, Some("orphans"));
    let mut actions = Vec::new();
    match s.orphans {
        OrphanMode::Fail => {}
        OrphanMode::Delete => {
            let cols: Vec<&str> = child.columns.iter().map(|c| c.name.as_str()).collect();
            actions.extend(backup(
                &ctx,
                &bak,
                &format!("SELECT c.* FROM {ctbl} c WHERE {filter}"),
                &format!("the orphan rows of {}", child.name),
                &[],
            ));
            actions.push(
                Action::new(
                    step,
                    ActionKind::Dml,
                    format!("delete the orphan rows of {}", child.name),
                    Statement::Sql(format!("DELETE FROM {ctbl} AS c WHERE {filter}")),
                )
                .with_inverse(Statement::Sql(format!(
                    "INSERT INTO {ctbl} ({c}) SELECT {c} FROM {}",
                    qtable(&bak),
                    c = idents(&cols)
                )))
                .destructive(),
            );
        }
        OrphanMode::SetNull => {
            actions.extend(backup(
                &ctx,
                &bak,
                &select_keyed(child, &s.columns, Some(&filter)),
                &format!("the keys of the orphan rows of {}", child.name),
                &child.primary_key,
            ));
            let nulls: Vec<String> = s
                .columns
                .iter()
                .map(|c| format!("{} = NULL", ident(c)))
                .collect();
            let restore: Vec<String> = s
                .columns
                .iter()
                .map(|c| format!("{q} = b.{q}", q = ident(c)))
                .collect();
            actions.push(
                Action::new(
                    step,
                    ActionKind::Dml,
                    format!("set the keys of the orphan rows of {} to NULL", child.name),
                    Statement::Sql(format!(
                        "UPDATE {ctbl} AS c SET {} WHERE {filter}",
                        nulls.join(", ")
                    )),
                )
                .with_inverse(Statement::Sql(format!(
                    "UPDATE {ctbl} SET {} FROM {} b WHERE {}",
                    restore.join(", "),
                    qtable(&bak),
                    join_on(&ctbl, "b", &child.primary_key)
                )))
                .destructive(),
            );
        }
        OrphanMode::Placeholder => {
            let aliased: Vec<String> = s
                .columns
                .iter()
                .zip(&s.references.columns)
                .map(|(c, p)| format!("c.{} AS {}", ident(c), ident(p)))
                .collect();
            actions.extend(backup(
                &ctx,
                &bak,
                &format!(
                    "SELECT DISTINCT {} FROM {ctbl} c WHERE {filter}",
                    aliased.join(", ")
                ),
                &format!("the missing keys of {}", parent.name),
                &[],
            ));
            let refs = idents(&s.references.columns);
            let ptbl = qtable(&parent.name);
            actions.push(
                Action::new(
                    step,
                    ActionKind::Dml,
                    format!("insert placeholder rows into {}", parent.name),
                    Statement::Sql(format!(
                        "INSERT INTO {ptbl} ({refs}) SELECT {refs} FROM {}",
                        qtable(&bak)
                    )),
                )
                .with_inverse(Statement::Sql(format!(
                    "DELETE FROM {ptbl} WHERE ({refs}) IN (SELECT {refs} FROM {})",
                    qtable(&bak)
                ))),
            );
        }
    }
    let name = s.constraint_name();
    let mut shape = Shape::of(child);
    if let Some(old) = &s.replace {
        let old_def = child
            .constraint(old)
            .map(|c| c.definition.clone())
            .unwrap_or_default();
        shape.constraints.retain(|c| *c != old_def);
    }
    shape.constraints.push(inspect::foreign_key(
        &name,
        &s.columns,
        &parent.name.name,
        &s.references.columns,
        action_sql(s.on_delete),
        action_sql(s.on_update),
    ));
    actions.push(rebuild_action(
        &ctx,
        child,
        &shape,
        &[],
        &[],
        format!("add foreign key {name} (table rebuild)"),
    )?);
    actions.push(foreign_key_check(&ctx, child));
    Ok(actions)
}

pub fn compile_drop_foreign_key(ctx: StepContext<'_>, s: &DropForeignKey) -> Result<Vec<Action>> {
    let fk = preflight::drop_foreign_key(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let t = RULES
        .table(&ctx, &s.table)
        .and_then(rebuildable)
        .map_err(|m| ctx.error(m))?;
    let mut shape = Shape::of(t);
    shape.constraints.retain(|c| *c != fk.definition);
    Ok(vec![rebuild_action(
        &ctx,
        t,
        &shape,
        &[],
        &[],
        format!("drop foreign key {} (table rebuild)", s.name),
    )?])
}

fn index_check<'a>(
    ctx: &StepContext<'a>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
) -> preflight::Checked<&'a Table> {
    RULES.new_name("index name", name)?;
    let t = RULES.table(ctx, table)?;
    for c in columns {
        preflight::find_column(t, c)?;
    }
    if t.indexes.iter().any(|i| i.name == name) || t.constraint(name).is_some() {
        return Err(format!(
            "table \"{}\" already has an index or constraint named \"{name}\"",
            t.name
        ));
    }
    Ok(t)
}

pub async fn analyze_add_index(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
    unique: bool,
) -> Result<Analysis> {
    let t = match index_check(&ctx, table, columns, name) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let mut a = Analysis::of_table(t);
    if unique {
        let cols: Vec<String> = columns.iter().map(|c| format!("c.{}", ident(c))).collect();
        let present: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
        let n = if counter.is_recording() {
            0
        } else {
            counter
                .source
                .count(&format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM {} c WHERE {} GROUP BY {} HAVING COUNT(*) > 1)",
                    qtable(&t.name),
                    present.join(" AND "),
                    cols.join(", ")
                ))
                .await? as u64
        };
        a.findings
            .push(preflight::duplicates_finding(t, columns, n, vec![]));
    }
    Ok(a)
}

pub fn compile_add_index(
    ctx: StepContext<'_>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
    unique: bool,
) -> Result<Vec<Action>> {
    let t = index_check(&ctx, table, columns, name).map_err(|m| ctx.error(m))?;
    let kind = if unique { "UNIQUE INDEX" } else { "INDEX" };
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!(
            "create {} {name} on {}({})",
            kind.to_lowercase(),
            t.name,
            columns.join(", ")
        ),
        Statement::Sql(format!(
            "CREATE {kind} {} ON {} ({})",
            ident(name),
            qtable(&t.name),
            idents(columns)
        )),
    )
    .with_inverse(Statement::Sql(format!(
        "DROP INDEX IF EXISTS {}",
        ident(name)
    )))])
}

pub fn compile_drop_index(ctx: StepContext<'_>, s: &DropIndex) -> Result<Vec<Action>> {
    let (_, index) = preflight::drop_index(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop index {}", s.name),
        Statement::Sql(format!("DROP INDEX {}", ident(&s.name))),
    )
    .with_inverse(Statement::Sql(index.definition.clone()))])
}
