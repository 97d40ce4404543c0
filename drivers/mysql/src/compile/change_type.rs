//! `change_type` on MySQL. Back up `(primary key, column)`; then, where the pre-flight
//! predicates prove an in-place `MODIFY` safe in strict mode, convert in place
//! ([`super::in_place`]: one rewrite of the values not written as they convert, one `ALTER`).
//! Otherwise (a `using` expression, a pair without that proof) through a shadow column: add
//! the shadow column of the new type; copy the
//! converted values into it in batches; verify every value against its backed-up original;
//! then, with writes held off (`LOCK TABLES … WRITE`), copy what was written meanwhile and swap
//! the columns in one `ALTER`. Rollback converts the column back (`MODIFY`) and restores every
//! backed-up value exactly.
//!
//! MySQL has no "try cast": a value is *incompatible* when a predicate per source and target
//! type says the conversion would fail or change it (see [`incompatible`]).

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, OnIncompatible};
use strata_core::{Action, ActionKind, Analysis, PortableType, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};
use strata_sql::actions::unconverted_check;

use super::conversion::{
    convert_back, default_of, expected, incompatible, key_bytes, same, MAX_KEY_BYTES,
};
use super::{
    backup, column_absent, column_exists, online, referencing_keys, select_keyed, Analyzer,
    Checked, Compiler, ONLINE,
};
use crate::sql::{ident, join_on, table as qtable};
use crate::types;

pub(super) struct Conversion<'a> {
    table: &'a Table,
    column: &'a Column,
}

pub(super) fn check<'a>(ctx: &StepContext<'a>, s: &ChangeType) -> Checked<Conversion<'a>> {
    let (t, c) = s.preflight(ctx.snapshot, &super::RULES, "mysql")?;
    if t.primary_key.contains(&c.name) {
        return Err(Refusal::new(RefusalKind::Unsupported, format!("column \"{}\" is part of the primary key; strata does not convert key columns on MySQL", c.name)));
    }
    if let Some(fk) = t
        .constraints
        .iter()
        .find(|k| k.references.is_some() && k.columns.contains(&c.name))
    {
        return Err(Refusal::new(
            RefusalKind::Dependents,
            format!(
                "column \"{}\" is part of foreign key {}; drop it first with drop_foreign_key",
                c.name, fk.name
            ),
        ));
    }
    // A CHECK over the column is added back for the new type, and checked there in strict
    // mode: text compared with a number is an error then. Kept only within one kind of type.
    let kind = |p: Option<PortableType>| match p {
        Some(p) if p.is_numeric() || p == PortableType::Bool => 1,
        Some(
            PortableType::Date
            | PortableType::Time
            | PortableType::Timestamp
            | PortableType::TimestampTz,
        ) => 2,
        Some(PortableType::Bytes) => 3,
        Some(_) => 0,
        None => 4,
    };
    if kind(c.portable) != kind(Some(s.to)) {
        if let Some(k) = checks_naming(t, &c.name).next() {
            return Err(Refusal::new(RefusalKind::Dependents, format!(
                "CHECK constraint {} names column \"{}\", whose values become {}; drop it first (sql step) and re-create it for the new type after",
                k.name, c.name, s.to
            )));
        }
    }
    let generated = generated_from(t, &c.name);
    if !generated.is_empty() {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "generated column {} is computed from \"{}\"; MySQL cannot swap the column under it: drop it first (sql step) and re-create it after",
            generated.join(", "),
            c.name
        )));
    }
    // The column's indexes are re-made for the new type, which InnoDB must be able to index.
    let indexes: Vec<&str> = t
        .indexes
        .iter()
        .filter(|i| i.columns.contains(&c.name))
        .filter(|i| {
            i.columns
                .iter()
                .map(|k| {
                    if *k == c.name {
                        Some(s.to)
                    } else {
                        t.column(k).and_then(|x| x.portable)
                    }
                })
                .map(key_bytes)
                .try_fold(0u32, |sum, b| b.map(|b| sum + b))
                .is_none_or(|total| total > MAX_KEY_BYTES)
        })
        .map(|i| i.name.as_str())
        .collect();
    if !indexes.is_empty() {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "column \"{}\" is in index {}, which InnoDB cannot build on {} (an index key holds at most {MAX_KEY_BYTES} bytes, and TEXT, BLOB and JSON columns only by a prefix); drop the index first, or convert to a shorter type",
            c.name,
            indexes.join(", "),
            s.to
        )));
    }
    Ok(Conversion {
        table: t,
        column: c,
    })
}

/// The check that the column's default converts to the new type. Also at apply time: the plan
/// cannot count a table an earlier step changed.
pub(super) fn default_converts(
    step: usize,
    t: &Table,
    c: &Column,
    s: &ChangeType,
) -> Option<Action> {
    let d = default_of(c)?;
    Some(Action::check(
        step,
        ActionKind::Check,
        format!("the default of {}.{} converts to {}", t.name, c.name, s.to),
        Statement::Sql(format!(
            "SELECT CASE WHEN {} THEN 1 ELSE 0 END",
            incompatible(&d, c, s.to)
        )),
        0,
        format!(
            "the default of column \"{}\", {d}, does not convert to {}; drop it first (drop_default), and set a new one after",
            c.name, s.to
        ),
    ))
}

/// The CHECK constraints of `t` whose text names `column`.
pub(super) fn checks_naming<'a>(
    t: &'a Table,
    column: &'a str,
) -> impl Iterator<Item = &'a strata_core::schema::Constraint> + 'a {
    t.constraints.iter().filter(move |k| {
        k.kind == strata_core::schema::ConstraintKind::Check
            && super::names(&k.definition, &[column])
    })
}

/// The generated columns of `t` whose expression names `column` (`DROP COLUMN` refuses it).
pub(super) fn generated_from<'a>(t: &'a Table, column: &'a str) -> Vec<&'a str> {
    t.columns
        .iter()
        .filter(|g| g.name != column)
        .filter(|g| {
            g.definition
                .as_deref()
                .is_some_and(|d| d.contains(" GENERATED ALWAYS AS ") && super::names(d, &[column]))
        })
        .map(|g| g.name.as_str())
        .collect()
}

impl AnalyzeKind<ChangeType> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Analysis> {
        let counter = self.counter;
        let conv = strata_core::refuse_unless!(check(&ctx, s));
        let (t, c) = (conv.table, conv.column);
        let mut a = Analysis::of_table(t);
        if c.portable == Some(s.to) {
            a.warnings.push(format!(
                "column \"{}\" is already {}; nothing to do",
                c.name, s.to
            ));
            return Ok(a);
        }
        // Views and triggers are resolved when used, so a new type leaves them valid; a foreign
        // key of another table would no longer match its column.
        let keys = referencing_keys(counter.source, t, &c.name).await?;
        if !keys.is_empty() {
            return Ok(Analysis::refused(Refusal::new(
                RefusalKind::Dependents,
                format!(
                    "{} depend on column \"{}\"; drop them first",
                    keys.join(", "),
                    c.name
                ),
            )));
        }
        if s.using.is_some() {
            a.warnings.push("a custom `using` expression is checked by the server while copying; a value it cannot convert stops the migration".into());
            return Ok(a);
        }
        // The column keeps its default through the swap, as a value of the new type.
        if let Some(d) = default_of(c).filter(|_| !counter.is_recording()) {
            let unfit = counter
                .source
                .count(&format!(
                    "SELECT CASE WHEN {} THEN 1 ELSE 0 END",
                    incompatible(&d, c, s.to)
                ))
                .await?;
            if unfit != 0 {
                return Ok(Analysis::refused(Refusal::new(RefusalKind::Incompatible, format!(
                "the default of column \"{}\", {d}, does not convert to {}; drop it first (drop_default), and set a new one after",
                c.name, s.to
            ))));
            }
        }
        // A unique key over the column must still hold once its values are converted (two
        // values can become one; a default written into several rows repeats).
        let converted = [(
            c.name.clone(),
            expected(&format!("c.{}", ident(&c.name)), c, s),
        )];
        super::refuse_conflicts(counter, &ctx, t, &converted, None, &mut a).await?;
        let predicate = incompatible(&format!("c.{}", ident(&c.name)), c, s.to);
        let value = format!("c.{}", ident(&c.name));
        a.findings.push(
            strata_sql::incompatible_finding(counter, s, t, &c.name, &value, &predicate).await?,
        );
        Ok(a)
    }
}

impl CompileKind<ChangeType> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Vec<Action>> {
        let conv = ctx.checked(check(&ctx, s))?;
        let (t, c) = (conv.table, conv.column);
        if c.portable == Some(s.to) {
            return Ok(Vec::new());
        }
        let original = ctx.checked(super::exact_definition(c))?;
        let step = ctx.step.index;
        let (tbl, col, name) = (qtable(&t.name), ident(&c.name), t.name.name.as_str());
        let target = types::native(s.to);
        let shadow_name = strata_core::steps::fit_identifier(&format!(
            "strata_tmp_{}_{}",
            ctx.migration.version, step
        ));
        let shadow = ident(&shadow_name);
        let bak = ctx.backup_name(&t.name, Some(&c.name));
        let (select, columns) = select_keyed(t, std::slice::from_ref(&c.name), None);
        let mut actions = Vec::new();
        actions.extend(default_converts(step, t, c, s));
        actions.extend(backup(
            &ctx,
            &bak,
            &select,
            &columns,
            &format!("{}.{} with its keys", t.name, c.name),
            format!(
                "UPDATE {tbl} t JOIN {} b ON {} SET t.{col} = b.{col}",
                qtable(&bak),
                join_on("t", "b", &t.primary_key)
            ),
        ));
        let live = |alias: &str| format!("{alias}{col}");
        if s.on_incompatible == OnIncompatible::Fail && s.using.is_none() {
            let count = format!(
                "SELECT COUNT(*) FROM {tbl} c WHERE {}",
                incompatible(&live("c."), c, s.to)
            );
            actions.push(unconverted_check(step, t, &c.name, s, count));
        }
        if super::in_place::applies(c, s) {
            actions.extend(super::in_place::actions(&ctx, s, t, c, &original, &bak));
            return Ok(actions);
        }
        actions.push(
            Action::new(
                step,
                ActionKind::Ddl,
                online(format!(
                    "add the shadow column {shadow_name} ({target}) to {}",
                    t.name
                )),
                Statement::Sql(format!(
                    "ALTER TABLE {tbl} ADD COLUMN {shadow} {target} NULL AFTER {col}{ONLINE}"
                )),
            )
            .outside_transaction()
            .with_probe(Statement::Sql(column_exists(name, &shadow_name)))
            .with_inverse(Statement::Sql(format!(
                "ALTER TABLE {tbl} DROP COLUMN {shadow}"
            )))
            .with_undo_probe(Statement::Sql(column_absent(name, &shadow_name))),
        );
        let value = expected(&live(""), c, s);
        let pending = match s.on_incompatible {
            OnIncompatible::UseDefault => format!("{shadow} IS NULL AND {col} IS NOT NULL"),
            _ => format!(
                "{shadow} IS NULL AND {col} IS NOT NULL AND NOT {}",
                incompatible(&live(""), c, s.to)
            ),
        };
        let copy = format!("UPDATE {tbl} SET {shadow} = {value} WHERE {pending}");
        actions.push(
            Action::new(
                step,
                ActionKind::Backfill,
                format!(
                    "copy the converted values of {}.{} into {shadow_name}, in {}",
                    t.name,
                    c.name,
                    strata_core::batches::describe_default()
                ),
                Statement::Sql(format!(
                    "{copy} LIMIT {}",
                    strata_core::batches::rows(strata_core::batches::DEFAULT_ROWS)
                )),
            )
            .restored_by_backup()
            .sized_by_time(strata_core::batches::DEFAULT_MS),
        );
        actions.push(Action::check(
            step,
            ActionKind::Verify,
            format!(
                "verify every converted value of {}.{} against its original",
                t.name, c.name
            ),
            Statement::Sql(format!(
                "SELECT COUNT(*) FROM {tbl} c JOIN {} b ON {} WHERE NOT {}",
                qtable(&bak),
                join_on("c", "b", &t.primary_key),
                same(
                    &format!("c.{shadow}"),
                    &expected(&format!("b.{col}"), c, s),
                    s.to
                )
            )),
            0,
            format!(
                "{shadow_name} does not hold the converted values of {}.{}",
                t.name, c.name
            ),
        ));
        let mut definition = format!(
            "{shadow} {col} {target}{}",
            if c.nullable { " NULL" } else { " NOT NULL" }
        );
        if let Some(d) = default_of(c) {
            definition.push_str(&format!(" DEFAULT {d}"));
        }
        let mut swap = vec![
            format!("DROP COLUMN {col}"),
            format!("CHANGE COLUMN {definition}"),
        ];
        swap.extend(super::drop_column::restore_indexes(t, &c.name));
        // The server drops the CHECKs that name a dropped column: the same ALTER adds them back,
        // on the column that takes its place.
        swap.extend(checks_naming(t, &c.name).map(|k| format!("ADD {}", k.definition)));
        actions.push(
        Action::new(
            step,
            ActionKind::Ddl,
            format!("swap {shadow_name} in for {}.{} (writes wait while the rows written meanwhile are copied)", t.name, c.name),
            Statement::Sql(format!(
                "LOCK TABLES {tbl} WRITE;\n{copy};\nALTER TABLE {tbl} {};\nUNLOCK TABLES",
                swap.join(", ")
            )),
        )
        .destructive()
        .outside_transaction()
        .with_probe(Statement::Sql(column_absent(name, &shadow_name)))
        .with_inverse(Statement::Sql(convert_back(t, c, s.to, &original, &tbl, &bak))),
    );
        Ok(actions)
    }
}

strata_core::golden_test!("change_type");
