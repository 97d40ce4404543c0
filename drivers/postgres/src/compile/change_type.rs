//! `change_type` on PostgreSQL.
//!
//! Pre-flight: every value is tried against the new type by a session-temporary function
//! (`pg_temp.strata_cast_fails`): a value is incompatible when the cast fails, or when the
//! value would change (a text value truncated by a shorter `string(n)`, a number rounded, a
//! timestamp losing its time). Apply: back up `(primary key, column)`, verify, then one
//! `ALTER TABLE … ALTER COLUMN … TYPE … USING …` that writes NULL or the step's default where
//! a value is incompatible. Rollback converts back (best effort for rows written since) and
//! restores every backed-up value exactly.
//!
//! Views, materialized views, rules, policies and triggers that use the column (and what uses
//! those) are dropped before the `ALTER` and re-created after it, in the same transaction,
//! from the definitions the analysis read (see [`super::dependents`]); what cannot be carried
//! (a function's SQL-standard body, an extension's view, a generated column) refuses the step
//! in the plan, naming each object.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::schema::{Column, Table};
use strata_core::steps::ChangeType;
use strata_core::steps::OnIncompatible::*;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};
use strata_sql::actions::unconverted_check;

use super::conversion::{
    carry_refusal, check, checks_as_written, constant, converted_value, no_cast, no_cast_refusal,
    retyped, Casts, CAST_PROBE,
};
use super::dependents::{bracket, changed_earlier};
use super::{backup, select_keyed, Analyzer, Compiler};
use crate::sql::{ident, join_on, literal, table as qtable};
use crate::types;

impl AnalyzeKind<ChangeType> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Analysis> {
        let counter = self.counter;
        let found = self.found;
        let casts = self.casts;
        let session = counter.source;
        let conv = strata_core::refuse_unless!(check(&ctx, s));
        let (t, c) = (conv.table, conv.column);
        let mut a = Analysis::of_table(t);
        if c.native_type == conv.target {
            a.warnings.push(format!(
                "column \"{}\" is already {}; nothing to do",
                c.name, s.to
            ));
            return Ok(a);
        }
        // Catalog reads are not counts: the recording pass needs none of them.
        if !counter.is_recording() {
            let dependents = crate::dependents::of_column(session, t, &c.name).await?;
            if let Some(why) = carry_refusal(&ctx, &c.name, &dependents) {
                return Ok(Analysis::refused(Refusal::new(
                    RefusalKind::Dependents,
                    why,
                )));
            }
            if !dependents.objects.is_empty() {
                a.warnings.push(format!(
                "{} depend on column \"{}\": dropped before the type change and re-created after it in the same transaction, exactly as read now (definition, options, owner, grants, comments); a definition the new type no longer satisfies fails the migration, which then changes nothing",
                dependents.names.join(", "),
                c.name
            ));
            }
            found.keep(&ctx, dependents);
        }
        if s.using.is_some() {
            a.warnings.push("a custom `using` expression is checked by the server while converting: a value it cannot convert fails the migration, which then changes nothing".into());
            return Ok(a);
        }
        // Without a cast between the two types no value converts, and the `ALTER` would fail.
        if !counter.is_recording()
            && session
                .count(&no_cast(&c.native_type, &conv.target))
                .await?
                != 0
        {
            return Ok(Analysis::refused(Refusal::new(
                RefusalKind::Unsupported,
                no_cast_refusal(c, &conv.target),
            )));
        }
        let widening = c.portable.is_some_and(|p| p.is_integer()) && s.to.is_integer();
        if !counter.is_recording() && !widening {
            let keys = super::foreign_keys_on(session, t, &c.name).await?;
            if !keys.is_empty() {
                return Ok(Analysis::refused(Refusal::new(RefusalKind::Dependents, format!(
                "{} reference column \"{}\" and keep their type; drop them first (drop_foreign_key) and add them again after",
                keys.join(", "),
                c.name
            ))));
            }
        }
        // A CHECK over the column is checked again against the new type: it must still make
        // sense there (`starts >= '-1000'::integer` does not for a varchar).
        if !counter.is_recording() {
            for (k, body) in super::check_bodies(t) {
                let probe = crate::sql::replace_column(
                    body.trim_end_matches(" NOT VALID"),
                    &c.name,
                    &format!("NULL::{}", conv.target),
                );
                if probe != body && session.execute(&format!("SELECT {probe}")).await.is_err() {
                    return Ok(Analysis::refused(Refusal::new(RefusalKind::Dependents, format!(
                    "CHECK constraint {} of \"{}\" ({body}) does not apply to a column of type {}; drop it first (sql step) and re-create it for the new type after",
                    k.name, t.name, conv.target
                ))));
                }
            }
        }
        if let Some(literal) = c.default.as_deref().and_then(constant) {
            if !counter.is_recording()
                && session
                    .execute(&format!("SELECT {literal}::{}", conv.target))
                    .await
                    .is_err()
            {
                return Ok(Analysis::refused(Refusal::new(RefusalKind::Incompatible, format!(
                "the default of column \"{}\", {literal}, does not convert to {}; drop it first (drop_default), and set a new one after",
                c.name, conv.target
            ))));
            }
        }
        if casts.needs_probe(&c.native_type, &conv.target) {
            session.execute(CAST_PROBE).await?;
        }
        let predicate = casts.fails(
            &format!("c.{}", ident(&c.name)),
            &c.native_type,
            &conv.target,
        );
        let shown = format!("c.{}::text", ident(&c.name));
        let finding =
            strata_sql::incompatible_finding(counter, s, t, &c.name, &shown, &predicate).await?;
        let n = finding.count;
        // A unique key over the column must still hold once its values are converted (two
        // values can become one; a default written into several rows repeats).
        if n == 0 || s.on_incompatible != strata_core::steps::OnIncompatible::Fail {
            let value = converted_value(
                casts,
                s,
                &format!("c.{}", ident(&c.name)),
                &c.native_type,
                &conv.target,
            );
            super::refuse_conflicts(counter, &ctx, t, &[(c.name.clone(), value)], None, &mut a)
                .await?;
        }
        a.findings.push(finding);
        Ok(a)
    }
}

impl CompileKind<ChangeType> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Vec<Action>> {
        let casts = self.casts;
        let found = self.found.of(&ctx);
        let dependents = found.as_deref();
        let conv = ctx.checked(check(&ctx, s))?;
        let (t, c, target) = (conv.table, conv.column, conv.target.as_str());
        if c.native_type == target {
            return Ok(Vec::new());
        }
        let step = ctx.step.index;
        let col = ident(&c.name);
        let tbl = qtable(&t.name);
        let bak = ctx.backup_name(&t.name, Some(&c.name));
        let mut actions = Vec::new();
        if dependents.is_none() || changed_earlier(&ctx).is_some() {
            // The plan could not read what depends on the column (an earlier step renamed it):
            // the server refuses the change while a view or rule uses it; say so first.
            actions.push(Action::check(
            step,
            ActionKind::Check,
            format!("no view or rule uses {}.{}", t.name, c.name),
            Statement::Sql(super::dependents::column_users_count(
                &qtable(&t.name),
                &c.name,
                &["pg_rewrite"],
            )),
            0,
            format!(
                "views or rules use {}.{}, which an earlier step of the migration renamed: change its type in a migration of its own, where strata can carry them",
                t.name, c.name
            ),
        ));
        }
        if s.using.is_none() {
            // Also at apply time: the plan cannot look at a table an earlier step renames.
            actions.push(Action::check(
                step,
                ActionKind::Check,
                format!("PostgreSQL can convert {} to {target}", c.native_type),
                Statement::Sql(no_cast(&c.native_type, target)),
                0,
                no_cast_refusal(c, target),
            ));
        }
        // The plan counted the keys the converted values would repeat on the live rows; an
        // earlier step of the migration changes them (or their names) first: count again here.
        if ctx.earlier_step_on(&t.name).is_some() || changed_earlier(&ctx).is_some() {
            let value = converted_value(casts, s, &format!("c.{col}"), &c.native_type, target);
            for mut check in strata_sql::conflict_checks::<crate::dialect::Pg>(
                &ctx,
                t,
                &[(c.name.clone(), value)],
                None,
            ) {
                if let Statement::Sql(sql) = &mut check.forward {
                    *sql = format!("{}{sql}", casts.prelude(&c.native_type, target));
                }
                actions.push(check);
            }
        }
        actions.extend(backup(
            &ctx,
            &bak,
            &select_keyed(t, std::slice::from_ref(&c.name), None),
            &format!("{}.{} with its keys", t.name, c.name),
        ));

        let (prelude, using) = conversion(casts, s, c, target);
        if let Some(check) = unconverted(casts, step, t, c, s, target) {
            actions.push(check);
        }
        let forward = format!(
            "{prelude}ALTER TABLE {tbl} {}",
            type_clauses(c, target, &using)
        );

        let mut inverse = Vec::new();
        if casts.needs_probe(target, &c.native_type) {
            inverse.push(CAST_PROBE.to_owned());
        }
        if !c.nullable {
            inverse.push(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {col} DROP NOT NULL"
            ));
        }
        let reversible = types::cast_exists(target, &c.native_type);
        inverse.push(format!(
            "ALTER TABLE {tbl} {}",
            back_clauses(casts, c, target)
        ));
        inverse.push(format!(
            "UPDATE {tbl} t SET {col} = b.{col} FROM {} b WHERE {}",
            qtable(&bak),
            join_on("t", "b", &t.primary_key)
        ));
        if !c.nullable {
            inverse.push(format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET NOT NULL"));
        }
        inverse.extend(checks_as_written(t, &c.name));
        let verify = verify(casts, step, t, c, s, target, &bak);
        let mut alter = Action::new(
            step,
            ActionKind::Ddl,
            format!(
                "convert {}.{} from {} to {}",
                t.name, c.name, c.native_type, target
            ),
            Statement::Sql(forward),
        )
        .with_inverse(Statement::Sql(inverse.join(";\n")));
        if !reversible {
            alter = alter.with_undo_guard(
            Statement::Sql(format!(
                "SELECT count(*)::bigint FROM {tbl} c WHERE c.{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {} b WHERE {})",
                qtable(&bak),
                join_on("c", "b", &t.primary_key)
            )),
            format!(
                "rows written since the migration hold values of {}.{} that PostgreSQL cannot convert back from {target} to {}; convert or remove them first",
                t.name, c.name, c.native_type
            ),
        );
        }
        if s.on_incompatible != Fail {
            alter = alter.destructive();
        }
        match dependents.filter(|d| !d.objects.is_empty()) {
            Some(d) => {
                let (drop, create) = bracket(&ctx, &format!("{}.{}", t.name, c.name), d);
                actions.extend([drop, alter, create]);
            }
            None => actions.push(alter),
        }
        if s.using.is_none() {
            actions.push(verify);
        }
        Ok(actions)
    }
}

/// The session prelude (the cast probe, where the pair needs it) and the `USING` expression
/// that converts the column as `on_incompatible` asks.
pub(super) fn conversion(
    casts: Casts,
    s: &ChangeType,
    c: &Column,
    target: &str,
) -> (String, String) {
    let col = ident(&c.name);
    let converted = match s.using.as_ref().and_then(|u| u.postgres.as_deref()) {
        Some(expr) => format!("({expr})::{target}"),
        None => format!("{col}::{target}"),
    };
    let probe = casts.fails(&col, &c.native_type, target);
    let prelude = casts.prelude(&c.native_type, target);
    match s.on_incompatible {
        Fail => (String::new(), converted),
        SetNull => (
            prelude,
            format!("CASE WHEN {probe} THEN NULL ELSE {converted} END"),
        ),
        UseDefault => {
            let default = literal(s.default.as_ref().expect("validated"), target);
            (
                prelude,
                format!("CASE WHEN {probe} THEN {default} ELSE {converted} END"),
            )
        }
    }
}

/// For `on_incompatible = "fail"` without `using`: the count of values that do not convert,
/// which must be 0 before the `ALTER` runs.
pub(super) fn unconverted(
    casts: Casts,
    step: usize,
    t: &Table,
    c: &Column,
    s: &ChangeType,
    target: &str,
) -> Option<Action> {
    (s.on_incompatible == Fail && s.using.is_none()).then(|| {
        let count = format!(
            "{}SELECT count(*)::bigint FROM {} c WHERE {}",
            casts.prelude(&c.native_type, target),
            qtable(&t.name),
            casts.fails(&format!("c.{}", ident(&c.name)), &c.native_type, target)
        );
        unconverted_check(step, t, &c.name, s, count)
    })
}

/// The `ALTER TABLE` clauses that convert `c` with `using`. PostgreSQL converts the column's
/// default only by an implicit or assignment cast (text to a date is neither): the default is
/// dropped and set again, converted, around the change.
pub(super) fn type_clauses(c: &Column, target: &str, using: &str) -> String {
    let col = ident(&c.name);
    match &c.default {
        Some(d) => format!(
            "ALTER COLUMN {col} DROP DEFAULT, ALTER COLUMN {col} TYPE {target} USING {using}, ALTER COLUMN {col} SET DEFAULT {}",
            retyped(d, target)
        ),
        None => format!("ALTER COLUMN {col} TYPE {target} USING {using}"),
    }
}

/// The clauses that convert `c` back from `target` to its type, with its default as it was.
/// Converted back by cast where PostgreSQL has one; where it has none (a boolean back to
/// jsonb) the expression must still parse: every row is emptied, then refilled from the backup
/// (and a rollback that would lose a value written since is refused by the step's guard).
pub(super) fn back_clauses(casts: Casts, c: &Column, target: &str) -> String {
    let col = ident(&c.name);
    let orig = &c.native_type;
    let back_value = if types::cast_exists(target, orig) {
        format!(
            "CASE WHEN {} THEN NULL ELSE {col}::{orig} END",
            casts.fails(&col, target, orig)
        )
    } else {
        format!("NULL::{orig}")
    };
    match &c.default {
        Some(d) => format!(
            "ALTER COLUMN {col} DROP DEFAULT, ALTER COLUMN {col} TYPE {orig} USING {back_value}, ALTER COLUMN {col} SET DEFAULT {d}"
        ),
        None => format!("ALTER COLUMN {col} TYPE {orig} USING {back_value}"),
    }
}

/// Every (key, value) of the table against (key, converted original) of the backup `bak`:
/// count and a sum of 64-bit hashes on each side, one scan each and no join (the expected
/// value has the column's type, so equal values have equal text).
pub(super) fn verify(
    casts: Casts,
    step: usize,
    t: &Table,
    c: &Column,
    s: &ChangeType,
    target: &str,
    bak: &strata_core::QualifiedName,
) -> Action {
    let col = ident(&c.name);
    // What each row must hold afterwards, computed from its backed-up original.
    let expected = converted_value(casts, s, &format!("b.{col}"), &c.native_type, target);
    if let Some(term) = weighted_term(target) {
        let weight = |alias: &str| key_weight(t, alias);
        let side = |from: &str, alias: &str, value: &str| {
            format!(
                "(SELECT count(*)::bigint AS n, coalesce(sum({} * {}), 0) AS s FROM {from} {alias})",
                term(value),
                weight(alias)
            )
        };
        return strata_sql::actions::converted_check(
            step,
            t,
            &c.name,
            format!(
                "{}SELECT CASE WHEN a.n = b.n AND a.s = b.s THEN 0 ELSE 1 END::bigint FROM {} a, {} b",
                casts.prelude(&c.native_type, target),
                side(&qtable(&t.name), "c", &format!("c.{col}")),
                side(&qtable(bak), "b", &format!("({expected})")),
            ),
        );
    }
    let side = |from: &str, alias: &str, value: &str| {
        let mut fields: Vec<String> = t
            .primary_key
            .iter()
            .map(|k| format!("{alias}.{}", ident(k)))
            .collect();
        fields.push(value.to_owned());
        format!(
            "(SELECT count(*)::bigint AS n, coalesce(sum(hashtextextended(ROW({})::text, 0)), 0) AS h FROM {from} {alias})",
            fields.join(", ")
        )
    };
    strata_sql::actions::converted_check(
        step,
        t,
        &c.name,
        format!(
            "{}SELECT CASE WHEN a.n = b.n AND a.h = b.h THEN 0 ELSE 1 END::bigint FROM {} a, {} b",
            casts.prelude(&c.native_type, target),
            side(&qtable(&t.name), "c", &format!("c.{col}")),
            side(&qtable(bak), "b", &format!("({expected})")),
        ),
    )
}

/// For a target whose every value, times a 32-bit weight, fits a `bigint`: the value as one
/// (NULL as one out of the type's range). The verification then sums value times the key's
/// weight on each side, in `bigint` arithmetic summed as `numeric` (exact): half the cost of
/// hashing each row's text (0.33 s against 0.53 s for 1M rows here). Equal sums and counts
/// prove the same number of rows, and a wrong value or NULL in any one row always changes the
/// sum; values moved between rows, or wrong in several, could only cancel out by a collision
/// of the weights. `None` for the other types, verified by the hash of each row.
fn weighted_term(target: &str) -> Option<fn(&str) -> String> {
    match target {
        "smallint" | "integer" => Some(|v| format!("coalesce(({v})::bigint, 2147483648)")),
        "boolean" => Some(|v| format!("coalesce(({v})::int::bigint, 2)")),
        _ => None,
    }
}

/// A row's weight: a hash of its key, odd (never 0) and within 32 bits.
fn key_weight(t: &Table, alias: &str) -> String {
    let column = |k: &String| t.column(k).map(|c| c.native_type.as_str());
    match t.primary_key.as_slice() {
        [k] if column(k) == Some("bigint") => {
            format!("(hashint8({alias}.{})::bigint | 1)", ident(k))
        }
        [k] if matches!(column(k), Some("integer" | "smallint")) => {
            format!("(hashint4({alias}.{}::integer)::bigint | 1)", ident(k))
        }
        keys => {
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{alias}.{}", ident(k)))
                .collect();
            format!(
                "(hashtextextended(ROW({})::text, 0) >> 32 | 1)",
                fields.join(", ")
            )
        }
    }
}

strata_core::golden_test!("change_type");
