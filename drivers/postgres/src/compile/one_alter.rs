//! Consecutive steps on one PostgreSQL table in one `ALTER TABLE`, as a DBA writes them:
//! `drop_column` (with its backup), `change_type` and `set_not_null` with a fill, each on its
//! own column. A type change rewrites the table and `SET NOT NULL` scans it; three steps alone
//! copy three backups, verify each, and then rewrite and scan; together they copy one backup
//! (the keys with every dropped, converted and filled column, as a DBA's
//! `CREATE TABLE … AS SELECT` does), verify it once, and rewrite the table once, checking the
//! NOT NULL in the same pass.
//!
//! The actions, in order:
//! 1. the checks each step makes alone (nothing else uses a dropped column; PostgreSQL can
//!    convert the type; a fill breaks no unique key);
//! 2. the one backup (the table locked against writes until the transaction ends), verified,
//!    then the count of values a conversion that must not fail cannot convert;
//! 3. each fill;
//! 4. the one `ALTER`: `DROP COLUMN …, ALTER COLUMN … TYPE … USING …, ALTER COLUMN … SET NOT
//!    NULL`;
//! 5. every converted value verified against its backed-up original.
//!
//! Rollback undoes them in reverse: one `ALTER` converts back, drops the NOT NULLs and adds
//! the dropped columns back; one `UPDATE` puts back every dropped and converted value; then
//! each fill's NULLs come back, and the backup goes.
//!
//! Taken where each step alone would take no detour: a table with a primary key; columns
//! outside it, and a converted column that no index, constraint or dependent object (view,
//! rule, policy, trigger) names, NULL-able, without `using`, with a cast back to its type, and
//! read by the analysis; and no two columns of the run that one index or constraint names
//! together (alone, a later step finds the object an earlier drop took with it gone, and sees
//! the values an earlier fill wrote). Any other step ends the run, and the steps after it are
//! compiled alone.

use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, StepKind};
use strata_core::{Action, ActionKind, Statement, StepContext};

use super::{backup, change_type, drop_column, select_keyed, Compiler};
use crate::sql::{ident, join_on, literal, table as qtable};

/// One step of a run, with its column as the run's first step finds it.
enum Part<'a> {
    Drop(&'a StepContext<'a>, &'a Column),
    Convert(&'a StepContext<'a>, &'a ChangeType, &'a Column, String),
    NotNull(&'a StepContext<'a>, &'a Column, &'a serde_json::Value),
}

impl Part<'_> {
    fn column(&self) -> &Column {
        match self {
            Part::Drop(_, c) | Part::Convert(_, _, c, _) | Part::NotNull(_, c, _) => c,
        }
    }

    fn ctx(&self) -> &StepContext<'_> {
        match self {
            Part::Drop(ctx, ..) | Part::Convert(ctx, ..) | Part::NotNull(ctx, ..) => ctx,
        }
    }

    /// What the `ALTER`'s description says of it.
    fn describe(&self) -> String {
        match self {
            Part::Drop(_, c) => format!("drop column {}", c.name),
            Part::Convert(_, s, c, target) => format!(
                "convert {} from {} to {target}{}",
                c.name,
                c.native_type,
                match s.on_incompatible {
                    strata_core::steps::OnIncompatible::Fail => "",
                    strata_core::steps::OnIncompatible::SetNull => " (what does not convert: NULL)",
                    strata_core::steps::OnIncompatible::UseDefault =>
                        " (what does not convert: the step's default)",
                }
            ),
            Part::NotNull(_, c, _) => format!("set {} NOT NULL", c.name),
        }
    }
}

/// The leading steps of `run` that go in one `ALTER`, with their actions; `None` when fewer
/// than two do.
pub(super) fn compile(
    compiler: &Compiler<'_>,
    run: &[StepContext<'_>],
) -> Option<(usize, Vec<Action>)> {
    let first = run.first()?;
    let name = first.step.kind.spec().table()?;
    let t = first.snapshot.table(name)?;
    if t.primary_key.is_empty() {
        return None;
    }
    let mut parts: Vec<Part<'_>> = Vec::new();
    for ctx in run {
        match part(compiler, ctx, t) {
            // Alone, each step finds the indexes and constraints an earlier one dropped gone,
            // and the values an earlier fill wrote: a run takes no two columns one of them
            // names together.
            Some(p)
                if !parts.iter().any(|q| {
                    q.column().name == p.column().name
                        || named_together(t, &q.column().name, &p.column().name)
                }) =>
            {
                parts.push(p)
            }
            _ => break,
        }
    }
    // NOT NULLs alone keep their backups of the keys of their NULL rows, smaller than a copy.
    if parts.len() < 2 || parts.iter().all(|p| matches!(p, Part::NotNull(..))) {
        return None;
    }
    Some((parts.len(), actions(compiler, t, &parts)))
}

/// The step as a part of the run, when it can be one (see the module's documentation).
fn part<'a>(compiler: &Compiler<'_>, ctx: &'a StepContext<'a>, t: &'a Table) -> Option<Part<'a>> {
    let column = ctx.step.kind.spec().columns().first().copied()?;
    let c = t.column(column)?;
    if t.primary_key.contains(&c.name) {
        return None;
    }
    match &ctx.step.kind {
        StepKind::DropColumn(s) if s.backup => {
            drop_column::check(ctx, s).ok()?;
            Some(Part::Drop(ctx, c))
        }
        StepKind::ChangeType(s) if s.using.is_none() => {
            let conv = super::conversion::check(ctx, s).ok()?;
            let target = conv.target;
            let named = !objects_naming(t, &c.name).is_empty();
            // What depends on the column was read by the analysis, and nothing does.
            let alone = compiler
                .found
                .of(ctx)
                .is_some_and(|d| d.objects.is_empty() && d.blocked.is_empty())
                && super::dependents::changed_earlier(ctx).is_none();
            let applies = c.nullable
                && !named
                && alone
                && c.native_type != target
                && crate::types::cast_exists(&target, &c.native_type);
            applies.then_some(Part::Convert(ctx, s, c, target))
        }
        StepKind::SetNotNull(s) => {
            super::RULES
                .table_column(ctx.snapshot, &s.table, &s.column)
                .ok()?;
            let fill = s.fill.as_ref()?;
            c.nullable.then_some(Part::NotNull(ctx, c, fill))
        }
        _ => None,
    }
}

/// The indexes and constraints of `t` that name `column` (in their columns, expressions or
/// predicates), by name.
fn objects_naming<'t>(t: &'t Table, column: &str) -> Vec<&'t str> {
    let names = |columns: &[String], definition: &str| {
        columns.iter().any(|c| c == column)
            || crate::sql::replace_column(definition, column, "NULL") != definition
    };
    let indexes = t
        .indexes
        .iter()
        .filter(|i| names(&i.columns, &i.definition))
        .map(|i| i.name.as_str());
    let constraints = t
        .constraints
        .iter()
        .filter(|k| names(&k.columns, &k.definition))
        .map(|k| k.name.as_str());
    indexes.chain(constraints).collect()
}

/// Whether an index or constraint of `t` names both columns.
fn named_together(t: &Table, a: &str, b: &str) -> bool {
    let of_b = objects_naming(t, b);
    objects_naming(t, a).iter().any(|o| of_b.contains(o))
}

fn actions(compiler: &Compiler<'_>, t: &Table, parts: &[Part<'_>]) -> Vec<Action> {
    let casts = compiler.casts;
    let tbl = qtable(&t.name);
    // The backup's columns, in the table's order; it is named after the first dropped or
    // converted one, and taken by its step.
    let mut saved: Vec<&Part<'_>> = parts.iter().collect();
    saved.sort_by_key(|p| t.columns.iter().position(|c| c.name == p.column().name));
    let owner = *saved
        .iter()
        .find(|p| !matches!(p, Part::NotNull(..)))
        .expect("a run drops or converts a column");
    let bak = owner.ctx().backup_name(&t.name, Some(&owner.column().name));
    let join = format!(
        "FROM {} b WHERE {}",
        qtable(&bak),
        join_on("t", "b", &t.primary_key)
    );

    let mut checks = Vec::new();
    let mut unconverted = Vec::new();
    let mut fills = Vec::new();
    let mut verifies = Vec::new();
    let (mut forward, mut back, mut restored, mut after) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut prelude, mut back_prelude) = (String::new(), String::new());
    for p in parts {
        let c = p.column();
        let col = ident(&c.name);
        let step = p.ctx().step.index;
        match p {
            Part::Drop(..) => {
                checks.push(drop_column::unused(step, t, c));
                forward.push(format!("DROP COLUMN {col}"));
                back.push(drop_column::add_back(t, c));
                restored.push(format!("{col} = b.{col}"));
                after.extend(drop_column::after_restore(t, c));
                after.push(drop_column::copy_comment(&bak, &t.name, &c.name));
            }
            Part::Convert(_, s, _, target) => {
                checks.push(Action::check(
                    step,
                    ActionKind::Check,
                    format!("PostgreSQL can convert {} to {target}", c.native_type),
                    Statement::Sql(super::conversion::no_cast(&c.native_type, target)),
                    0,
                    super::conversion::no_cast_refusal(c, target),
                ));
                // With the table locked by the backup, as alone.
                unconverted.extend(change_type::unconverted(casts, step, t, c, s, target));
                let (needs, using) = change_type::conversion(casts, s, c, target);
                if prelude.is_empty() {
                    prelude = needs;
                }
                if back_prelude.is_empty() && casts.needs_probe(target, &c.native_type) {
                    back_prelude = format!("{};\n", super::conversion::CAST_PROBE);
                }
                forward.push(change_type::type_clauses(c, target, &using));
                back.push(change_type::back_clauses(casts, c, target));
                restored.push(format!("{col} = b.{col}"));
                verifies.push(change_type::verify(casts, step, t, c, s, target, &bak));
            }
            Part::NotNull(ctx, _, fill) => {
                let value = literal(fill, &c.native_type);
                checks.extend(strata_sql::conflict_checks::<crate::dialect::Pg>(
                    ctx,
                    t,
                    &[(c.name.clone(), value.clone())],
                    Some(&format!("c.{col} IS NULL")),
                ));
                fills.push(
                    Action::new(
                        step,
                        ActionKind::Dml,
                        format!("fill the NULLs of {}.{} with {fill}", t.name, c.name),
                        Statement::Sql(format!(
                            "UPDATE {tbl} SET {col} = {value} WHERE {col} IS NULL"
                        )),
                    )
                    .with_inverse(Statement::Sql(format!(
                        "UPDATE {tbl} t SET {col} = NULL {join} AND b.{col} IS NULL"
                    ))),
                );
                forward.push(format!("ALTER COLUMN {col} SET NOT NULL"));
                back.push(format!("ALTER COLUMN {col} DROP NOT NULL"));
            }
        }
    }

    let names: Vec<String> = saved.iter().map(|p| p.column().name.clone()).collect();
    let what: Vec<String> = names.iter().map(|n| format!("{}.{n}", t.name)).collect();
    let mut out = checks;
    let mut copy = backup(
        owner.ctx(),
        &bak,
        &select_keyed(t, &names, None),
        &format!("{} with their keys", what.join(", ")),
    );
    for p in parts.iter().filter(|p| matches!(p, Part::Drop(..))) {
        drop_column::with_comment_kept(&mut copy[0], &t.name, &bak, &p.column().name);
    }
    out.extend(copy);
    out.extend(unconverted);
    out.extend(fills);

    let steps: Vec<String> = parts
        .iter()
        .map(|p| p.ctx().step.index.to_string())
        .collect();
    let described: Vec<String> = parts.iter().map(Part::describe).collect();
    let mut inverse: Vec<String> = parts
        .iter()
        .filter(|p| matches!(p, Part::Drop(..)))
        .flat_map(|p| drop_column::before_add_back(t, p.column()))
        .collect();
    inverse.push(format!(
        "{back_prelude}ALTER TABLE {tbl} {}",
        back.join(", ")
    ));
    if !restored.is_empty() {
        inverse.push(format!("UPDATE {tbl} t SET {} {join}", restored.join(", ")));
    }
    inverse.extend(after);
    let first = parts[0].ctx();
    let destroys = parts.iter().any(|p| match p {
        Part::Drop(..) => true,
        Part::Convert(_, s, ..) => s.on_incompatible != strata_core::steps::OnIncompatible::Fail,
        Part::NotNull(..) => false,
    });
    let mut alter = Action::new(
        first.step.index,
        ActionKind::Ddl,
        format!(
            "steps {} on {} in one ALTER: {}",
            steps.join(", "),
            t.name,
            described.join(", ")
        ),
        Statement::Sql(format!("{prelude}ALTER TABLE {tbl} {}", forward.join(", "))),
    )
    .with_inverse(Statement::Sql(inverse.join(";\n")));
    if destroys {
        alter = alter.destructive();
    }
    out.push(alter);
    out.extend(verifies);
    out
}
