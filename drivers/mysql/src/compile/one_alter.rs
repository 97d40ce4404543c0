//! Consecutive steps on one MySQL table in one `ALTER TABLE`, as a DBA writes them: `drop_column`,
//! `change_type` (where [`super::in_place`] applies) and `set_not_null` with a fill, each on
//! its own column. Each `ALTER` that changes a column's type or nullability rebuilds the
//! table; three steps alone rebuild it three times, together once. Their dropped and converted
//! columns share one backup copy (one copy, one verification), as a DBA's
//! `CREATE TABLE … AS SELECT` does.
//!
//! The actions, in order:
//! 1. the checks each step makes alone (a dropped column's exact definition, a default that
//!    must convert, the unique keys a fill must not break);
//! 2. one backup of the keys with every dropped and converted column, verified;
//! 3. for each `set_not_null`, the backup of the keys of its NULL rows (verified), then the
//!    fill;
//! 4. the one `ALTER`: with the table locked when a column converts (reads and writes wait, as
//!    alone), each conversion's rewrite and then `ALTER TABLE … DROP COLUMN …, MODIFY COLUMN
//!    …`; online (`ALGORITHM=INPLACE, LOCK=NONE`, as alone) otherwise;
//! 5. every converted value verified against its backed-up original.
//!
//! Rollback undoes them in reverse: one `ALTER` gives every column its definition back (the
//! converted ones emptied first, so the conversion back cannot fail, unless the column they go
//! back to is text with room for any converted value), and the backups put
//! every value back, as they do for each step alone.
//!
//! Taken only where nothing else on the table depends on the columns (no index, foreign key,
//! CHECK or generated column names one), on a table with a primary key, on columns whose
//! exact definitions were read (none changed earlier in the migration), and for a conversion
//! on a NULL-able column (its rollback can then run twice). Any other step ends the run, and
//! the steps after it are compiled alone.

use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, OnIncompatible, StepKind};
use strata_core::{Action, ActionKind, Statement, StepContext};

use super::conversion::incompatible;
use super::nullability::with_nullability;
use super::{
    backup, column_absent, column_exists, column_nullable_is, exact_definition, online,
    select_keyed, ONLINE,
};
use crate::sql::{ident, join_on, table as qtable, typed_literal};

/// One step of a run, with the column it works on as the run's first step finds it.
enum Part<'a> {
    Drop(&'a StepContext<'a>, &'a Column),
    Convert(&'a StepContext<'a>, &'a ChangeType, &'a Column),
    NotNull(&'a StepContext<'a>, &'a Column, &'a serde_json::Value),
}

impl Part<'_> {
    fn column(&self) -> &Column {
        match self {
            Part::Drop(_, c) | Part::Convert(_, _, c) | Part::NotNull(_, c, _) => c,
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
            Part::Convert(_, s, c) => format!(
                "convert {} to {}{}",
                c.name,
                crate::types::native(s.to),
                super::in_place::incompatible_as(s)
            ),
            Part::NotNull(_, c, _) => format!("set {} NOT NULL", c.name),
        }
    }
}

/// The leading steps of `run` that go in one `ALTER`, with their actions; `None` when fewer
/// than two do.
pub(super) fn compile(run: &[StepContext<'_>]) -> Option<(usize, Vec<Action>)> {
    let first = run.first()?;
    let name = first.step.kind.spec().table()?;
    let t = first.snapshot.table(name)?;
    if t.primary_key.is_empty() {
        return None;
    }
    let mut parts: Vec<Part<'_>> = Vec::new();
    for ctx in run {
        match part(ctx, t) {
            Some(p) if !parts.iter().any(|q| q.column().name == p.column().name) => parts.push(p),
            _ => break,
        }
    }
    if parts.len() < 2 {
        return None;
    }
    let actions = actions(first, t, &parts)?;
    Some((parts.len(), actions))
}

/// The step as a part of the run, when it can be one: its own checks pass on the schema it
/// finds, and its column, as `t` (the run's first step's view of the table) has it, is one
/// nothing else depends on.
fn part<'a>(ctx: &'a StepContext<'a>, t: &'a Table) -> Option<Part<'a>> {
    let column = ctx.step.kind.spec().columns().first().copied()?;
    let c = t.column(column)?;
    let free = !t.primary_key.contains(&c.name)
        && c.definition
            .as_deref()
            .is_some_and(|d| !d.contains(" GENERATED ALWAYS AS "))
        && !t.indexes.iter().any(|i| i.columns.contains(&c.name))
        && !t.constraints.iter().any(|k| {
            k.columns.contains(&c.name) || super::names(&k.definition, &[c.name.as_str()])
        })
        && super::change_type::generated_from(t, &c.name).is_empty();
    if !free {
        return None;
    }
    match &ctx.step.kind {
        StepKind::DropColumn(s) if s.backup => {
            super::drop_column::check(ctx, s).ok()?;
            Some(Part::Drop(ctx, c))
        }
        StepKind::ChangeType(s) => {
            super::change_type::check(ctx, s).ok()?;
            let applies = c.nullable && c.portable != Some(s.to) && super::in_place::applies(c, s);
            applies.then_some(Part::Convert(ctx, s, c))
        }
        StepKind::SetNotNull(s) => {
            super::set_not_null::check_set(ctx, s).ok()?;
            let fill = s.fill.as_ref()?;
            c.nullable.then_some(Part::NotNull(ctx, c, fill))
        }
        _ => None,
    }
}

fn actions(first: &StepContext<'_>, t: &Table, parts: &[Part<'_>]) -> Option<Vec<Action>> {
    let tbl = qtable(&t.name);
    let keys = |a: &str, b: &str| join_on(a, b, &t.primary_key);
    let mut checks = Vec::new();
    let mut nulls = Vec::new();
    let mut unconverted = Vec::new();
    let mut verifies = Vec::new();
    let (mut forward, mut back) = (Vec::new(), Vec::new());
    let (mut rewrites, mut emptied) = (Vec::new(), Vec::new());
    let mut destroys = false;
    // The dropped and converted columns, in the table's order: the shared backup's columns,
    // and the order dropped columns are added back in (each after its neighbour). A column
    // set NOT NULL joins them when there is a copy anyway: one wider copy costs less than a
    // second one of the keys of its NULL rows.
    let mut saved: Vec<&Part<'_>> = parts.iter().collect();
    if parts.iter().all(|p| matches!(p, Part::NotNull(..))) {
        saved.clear();
    }
    saved.sort_by_key(|p| t.columns.iter().position(|c| c.name == p.column().name));
    let owner = saved
        .iter()
        .copied()
        .find(|p| !matches!(p, Part::NotNull(..)));
    let bak = owner.map(|p| p.ctx().backup_name(&t.name, Some(&p.column().name)));
    for p in parts {
        let c = p.column();
        let col = ident(&c.name);
        let definition = exact_definition(c).ok()?;
        match p {
            Part::Drop(ctx, _) => {
                destroys = true;
                forward.push(format!("DROP COLUMN {col}"));
                checks.extend(super::drop_column::definition_back(
                    ctx.step.index,
                    t,
                    c,
                    &definition,
                ));
            }
            Part::Convert(ctx, s, _) => {
                let step = ctx.step.index;
                destroys |= s.on_incompatible != OnIncompatible::Fail;
                checks.extend(super::change_type::default_converts(step, t, c, s));
                let bak = bak.as_ref()?;
                if s.on_incompatible == OnIncompatible::Fail {
                    let count = format!(
                        "SELECT COUNT(*) FROM {tbl} c WHERE {}",
                        incompatible(&format!("c.{col}"), c, s.to)
                    );
                    unconverted.push(strata_sql::actions::unconverted_check(
                        step, t, &c.name, s, count,
                    ));
                }
                rewrites.push(super::in_place::rewrite(t, c, s));
                forward.push(super::in_place::modify(c, s));
                // Emptied before the conversion back unless that cannot fail.
                if !super::conversion::has_room_for(c, s.to) {
                    emptied.push(format!("t.{col} = NULL"));
                }
                back.push(format!("MODIFY COLUMN {definition}"));
                verifies.push(super::in_place::verify(step, t, c, s, bak));
            }
            Part::NotNull(ctx, _, fill) => {
                let step = ctx.step.index;
                let fill_sql = typed_literal(fill, c.portable);
                checks.extend(strata_sql::conflict_checks::<crate::dialect::My>(
                    ctx,
                    t,
                    &[(c.name.clone(), fill_sql.clone())],
                    Some(&format!("c.{col} IS NULL")),
                ));
                if bak.is_none() {
                    let keys_bak = ctx.backup_name(&t.name, Some(&c.name));
                    let (select, columns) = select_keyed(t, &[], Some(&format!("c.{col} IS NULL")));
                    nulls.extend(backup(
                        ctx,
                        &keys_bak,
                        &select,
                        &columns,
                        &format!("the keys of the rows where {}.{} is NULL", t.name, c.name),
                        format!(
                            "UPDATE {tbl} t JOIN {} b ON {} SET t.{col} = NULL",
                            qtable(&keys_bak),
                            keys("t", "b")
                        ),
                    ));
                }
                nulls.push(
                    Action::new(
                        step,
                        ActionKind::Dml,
                        format!("fill the NULLs of {}.{} with {fill}", t.name, c.name),
                        Statement::Sql(format!(
                            "UPDATE {tbl} SET {col} = {fill_sql} WHERE {col} IS NULL"
                        )),
                    )
                    .restored_by_backup(),
                );
                forward.push(format!(
                    "MODIFY COLUMN {}",
                    with_nullability(&definition, false)
                ));
                back.push(format!("MODIFY COLUMN {definition}"));
            }
        }
    }
    // Dropped columns come back in the table's order, each after the column before it.
    for p in &saved {
        if let Part::Drop(..) = p {
            let c = p.column();
            let definition = exact_definition(c).ok()?;
            let definition = super::with_default(&with_nullability(&definition, true), None);
            back.push(format!(
                "ADD COLUMN {definition} {}",
                super::position(t, &c.name)
            ));
        }
    }

    let mut out = checks;
    if let (Some(owner), Some(bak)) = (owner, &bak) {
        let names: Vec<String> = saved.iter().map(|p| p.column().name.clone()).collect();
        let (select, columns) = select_keyed(t, &names, None);
        let ctx = owner.ctx();
        // Every dropped and converted value back; of a column set NOT NULL, only its NULLs
        // (as alone: values written since stay).
        let join = format!("{tbl} t JOIN {} b ON {}", qtable(bak), keys("t", "b"));
        let mut restore = Vec::new();
        let set: Vec<String> = saved
            .iter()
            .filter(|p| !matches!(p, Part::NotNull(..)))
            .map(|p| format!("t.{0} = b.{0}", ident(&p.column().name)))
            .collect();
        if !set.is_empty() {
            restore.push(format!("UPDATE {join} SET {}", set.join(", ")));
        }
        for p in saved.iter().filter(|p| matches!(p, Part::NotNull(..))) {
            let col = ident(&p.column().name);
            restore.push(format!(
                "UPDATE {join} SET t.{col} = NULL WHERE b.{col} IS NULL"
            ));
        }
        let what: Vec<String> = names.iter().map(|n| format!("{}.{n}", t.name)).collect();
        out.extend(backup(
            ctx,
            bak,
            &select,
            &columns,
            &format!("{} with their keys", what.join(", ")),
            restore.join(";\n"),
        ));
    }
    out.extend(nulls);
    out.extend(unconverted);

    let steps: Vec<String> = parts
        .iter()
        .map(|p| p.ctx().step.index.to_string())
        .collect();
    let what: Vec<String> = parts.iter().map(Part::describe).collect();
    let description = format!(
        "steps {} on {} in one ALTER: {}",
        steps.join(", "),
        t.name,
        what.join(", ")
    );
    let alter = format!("ALTER TABLE {tbl} {}", forward.join(", "));
    let (description, statement) = if rewrites.is_empty() {
        (online(description), format!("{alter}{ONLINE}"))
    } else {
        (
            format!("{description}: with the table locked (reads and writes wait), the converted columns' values written as their converted values read, then the ALTER in strict mode (the server rebuilds the table)"),
            format!(
                "LOCK TABLES {tbl} WRITE;\n{};\n{alter};\nUNLOCK TABLES",
                rewrites.join(";\n")
            ),
        )
    };
    let mut inverse = Vec::new();
    let join = bak
        .as_ref()
        .map(|b| format!("{tbl} t JOIN {} b ON {}", qtable(b), keys("t", "b")));
    if let (false, Some(join)) = (emptied.is_empty(), &join) {
        inverse.push(format!("UPDATE {join} SET {}", emptied.join(", ")));
    }
    // The converted values come back with the dropped ones, by the shared backup's restore,
    // which runs right after (one scan of the table, not two).
    inverse.push(format!("ALTER TABLE {tbl} {}", back.join(", ")));
    let mut ddl = Action::new(
        first.step.index,
        ActionKind::Ddl,
        description,
        Statement::Sql(statement),
    )
    .outside_transaction()
    .with_inverse(Statement::Sql(inverse.join(";\n")));
    if destroys {
        ddl = ddl.destructive();
    }
    // The `ALTER` is atomic: any one of its changes tells whether it ran (a conversion alone
    // can run again: its rewrite finds nothing left to write).
    let name = &t.name.name;
    let probe = parts.iter().find_map(|p| match p {
        Part::Drop(_, c) => Some((column_absent(name, &c.name), column_exists(name, &c.name))),
        Part::NotNull(_, c, _) => Some((
            column_nullable_is(name, &c.name, false),
            column_nullable_is(name, &c.name, true),
        )),
        Part::Convert(..) => None,
    });
    if let Some((done, undone)) = probe {
        ddl = ddl
            .with_probe(Statement::Sql(done))
            .with_undo_probe(Statement::Sql(undone));
    }
    out.push(ddl);
    out.extend(verifies);
    Some(out)
}
