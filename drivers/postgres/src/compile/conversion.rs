//! What converting a column's values means on PostgreSQL: which values a cast refuses (the
//! probe that tells, value by value), the converted value as `on_incompatible` asks, a default
//! retyped for the new type, the CHECKs the new type must still satisfy, and what refuses the
//! conversion before anything runs.

use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, StepKind};
use strata_core::StepContext;
use strata_core::{Refusal, RefusalKind};

use super::dependents::changed_earlier;
use super::Checked;
use crate::dependents::Dependents;
use crate::sql::{ident, literal, string, table as qtable};
use crate::types;

pub(super) use super::convertible::{Casts, CAST_PROBE};

/// A default expression (as `pg_get_expr` prints it) converted to `target`: a literal
/// re-typed (`'5'::text` → `'5'::integer`), anything else cast.
pub(crate) fn retyped(default: &str, target: &str) -> String {
    match constant(default) {
        Some(literal) => format!("{literal}::{target}"),
        None => format!("({default})::{target}"),
    }
}

/// The literal of a constant default (`'x'::text`, `'x'::character varying(20)`, `5`,
/// `(-5)`, `NULL::text`), without its casts; `None` for an expression that calls anything.
pub(super) fn constant(default: &str) -> Option<&str> {
    let d = default.trim();
    let d = d
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(d);
    let (literal, casts) = match strata_sql::text::string_literal_len(d) {
        Some(end) => (&d[..end], &d[end..]),
        None if d.starts_with('\'') => return None,
        None => d
            .split_once("::")
            .map_or((d, ""), |(l, _)| (l, &d[l.len()..])),
    };
    // Nothing but casts may follow: `::name` with an optional `(digits, …)` modifier.
    let casts_only = casts.split("::").skip(1).all(|cast| {
        let name = cast.split('(').next().unwrap_or_default();
        let modifier = &cast[name.len()..];
        !name.trim().is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " _\"".contains(c))
            && modifier
                .chars()
                .all(|c| c.is_ascii_digit() || "(), ".contains(c))
    }) && (casts.is_empty() || casts.starts_with("::"));
    let bare = literal.trim_start_matches('-');
    let simple = literal.starts_with('\'')
        || ["NULL", "true", "false"].contains(&literal)
        || !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit() || c == '.');
    (casts_only && simple).then_some(literal)
}

/// 1 when PostgreSQL has no conversion from `from` to `to`: neither a cast in `pg_cast`, nor
/// the conversion through text every type has to and from a string type, nor the same type.
pub(super) fn no_cast(from: &str, to: &str) -> String {
    let (f, t) = (string(from), string(to));
    format!(
        "SELECT CASE WHEN {f}::regtype = {t}::regtype \
           OR (SELECT typcategory = 'S' FROM pg_type WHERE oid = {f}::regtype) \
           OR (SELECT typcategory = 'S' FROM pg_type WHERE oid = {t}::regtype) \
           OR EXISTS (SELECT 1 FROM pg_cast WHERE castsource = {f}::regtype AND casttarget = {t}::regtype) \
         THEN 0 ELSE 1 END::bigint"
    )
}

pub(super) fn no_cast_refusal(c: &Column, to: &str) -> String {
    format!(
        "PostgreSQL has no conversion from {} to {to} for column \"{}\"; give a `using` expression (`using = {{ postgres = \"…\" }}`) that computes the new value",
        c.native_type, c.name
    )
}

/// The value a row's `column` (an expression) holds once converted to `target`, as the
/// step's `on_incompatible` decides for a value that does not convert.
pub(super) fn converted_value(
    casts: Casts,
    s: &ChangeType,
    column: &str,
    from: &str,
    target: &str,
) -> String {
    let cast = format!("{column}::{target}");
    let failing = casts.fails(column, from, target);
    match (&s.on_incompatible, &s.default) {
        (strata_core::steps::OnIncompatible::UseDefault, Some(d)) => format!(
            "CASE WHEN {failing} THEN {} ELSE {cast} END",
            literal(d, target)
        ),
        (strata_core::steps::OnIncompatible::SetNull, _) => {
            format!("CASE WHEN {failing} THEN NULL ELSE {cast} END")
        }
        _ => cast,
    }
}

/// Each CHECK of `t` over `column` dropped and added again as it was written: PostgreSQL
/// rewrote it for the new type (`age >= -1000` became `age::double precision >= …`), and
/// converting the column back leaves the casts in. Its comment comes back with it.
pub(super) fn checks_as_written(t: &Table, column: &str) -> Vec<String> {
    let tbl = qtable(&t.name);
    super::check_bodies(t)
        .filter(|(_, body)| crate::sql::replace_column(body, column, "NULL") != *body)
        .map(|(k, _)| {
            let name = ident(&k.name);
            format!(
                "DO $strata$ DECLARE note text := obj_description((SELECT oid FROM pg_constraint WHERE conrelid = {rel}::regclass AND conname = {lit}), 'pg_constraint'); BEGIN \
                 ALTER TABLE {tbl} DROP CONSTRAINT {name}; \
                 ALTER TABLE {tbl} ADD CONSTRAINT {name} {def}; \
                 IF note IS NOT NULL THEN EXECUTE format('COMMENT ON CONSTRAINT %I ON %s IS %L', {lit}, {rel}, note); END IF; END $strata$",
                rel = string(&tbl),
                lit = string(&k.name),
                def = k.definition,
            )
        })
        .collect()
}

pub(super) struct Conversion<'a> {
    pub(super) table: &'a Table,
    pub(super) column: &'a Column,
    pub(super) target: String,
}

pub(super) fn check<'a>(ctx: &StepContext<'a>, s: &ChangeType) -> Checked<Conversion<'a>> {
    let (table, column) = s.preflight(ctx.snapshot, &super::RULES, "postgres")?;
    // The undo of the earlier change would run with this one's conversion helpers in the
    // session and meet types it was not compiled for: split them, as on MySQL.
    let changed_before = ctx.migration.steps.iter().any(|e| {
        e.index < ctx.step.index
            && matches!(&e.kind, StepKind::ChangeType(o) if o.table == s.table && o.column == s.column)
    });
    if changed_before {
        return Err(Refusal::new(RefusalKind::Unsupported, format!(
            "an earlier step of this migration already changes the type of {}.{}; change it again in a migration of its own",
            s.table, s.column
        )));
    }
    // A foreign key needs its two sides comparable; among integers they stay so.
    let widening = column.portable.is_some_and(|p| p.is_integer()) && s.to.is_integer();
    if let Some(fk) = table
        .constraints
        .iter()
        .find(|k| k.references.is_some() && k.columns.contains(&column.name))
        .filter(|_| !widening)
    {
        return Err(Refusal::new(RefusalKind::Dependents, format!(
            "column \"{}\" is part of foreign key {}, whose referenced column keeps its type; drop the key first (drop_foreign_key) and add it again after",
            column.name, fk.name
        )));
    }
    Ok(Conversion {
        table,
        column,
        target: types::native(s.to),
    })
}

/// Why the dependents of `column` cannot be carried through the change, if they cannot.
pub(super) fn carry_refusal(ctx: &StepContext<'_>, column: &str, d: &Dependents) -> Option<String> {
    if !d.blocked.is_empty() {
        return Some(format!(
            "{} depend on column \"{column}\" and cannot be dropped and re-created around its type change: drop or change them in an earlier migration (a `sql` step), then change the type",
            d.blocked.join(", ")
        ));
    }
    let earlier = changed_earlier(ctx).filter(|_| !d.objects.is_empty())?;
    Some(format!(
        "{} depend on column \"{column}\" and are re-created from their definitions as read before the migration, which {earlier} may change: change the type in a migration of its own",
        d.names.join(", ")
    ))
}

#[cfg(test)]
mod default_tests {
    use super::{constant, retyped};

    #[test]
    fn a_literal_default_is_retyped_and_an_expression_cast() {
        assert_eq!(constant("'O''Brien'::text"), Some("'O''Brien'"));
        assert_eq!(constant("'x'::character varying(20)"), Some("'x'"));
        assert_eq!(constant("(-5)"), Some("-5"));
        assert_eq!(constant("42"), Some("42"));
        assert_eq!(constant("nextval('s'::regclass)"), None);
        assert_eq!(constant("now()"), None);
        assert_eq!(retyped("'2024-02-29'::text", "date"), "'2024-02-29'::date");
        assert_eq!(retyped("now()", "date"), "(now())::date");
    }
}
