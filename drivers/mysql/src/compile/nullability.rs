//! `set_not_null` and `drop_not_null` on MySQL.
//!
//! `set_not_null`: count the NULLs; back up the keys of the rows holding one (the backup's
//! inverse puts the NULLs back); fill them; `MODIFY COLUMN … NOT NULL`. Rollback restores the
//! column's definition and then the NULLs.

use strata_core::steps::{DropNotNull, SetNotNull};
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{
    backup, column_nullable_is, exact_definition, examples, find_table_column, online, refused,
    select_keyed, sized, Counter, ONLINE,
};
use crate::sql::{ident, join_on, table as qtable, typed_literal};

/// The column's definition with its nullability set.
pub fn with_nullability(def: &str, nullable: bool) -> String {
    let (name, def) = split_name(def);
    format!("{name}{}", nullability_of_rest(def, nullable))
}

/// A column line's leading identifier (`` `o'brien` ``, `` `a``b c` ``) and the rest, so that
/// the clauses are looked for after the name: a quote or ` DEFAULT ` inside a name is no
/// clause (a `o'brien` column once read as the start of a string literal).
pub fn split_name(def: &str) -> (&str, &str) {
    let Some(body) = def.strip_prefix('`') else {
        return def.split_at(def.find(' ').unwrap_or(def.len()));
    };
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            if bytes.get(i + 1) == Some(&b'`') {
                i += 2;
                continue;
            }
            return def.split_at(i + 2);
        }
        i += 1;
    }
    (def, "")
}

/// [`with_nullability`] of the part of a column line after its name.
fn nullability_of_rest(def: &str, nullable: bool) -> String {
    let mut words: Vec<&str> = def.split(' ').collect();
    // Drop `NULL`, `NOT NULL` and `DEFAULT NULL` tokens outside quotes, then add ours.
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    while i < words.len() {
        let w = words[i];
        if w.matches('\'').count() % 2 == 1 {
            quoted = !quoted;
        }
        if !quoted {
            if w == "NOT" && words.get(i + 1) == Some(&"NULL") {
                i += 2;
                continue;
            }
            if w == "DEFAULT" && words.get(i + 1) == Some(&"NULL") {
                i += 2;
                continue;
            }
            if w == "NULL" {
                i += 1;
                continue;
            }
        }
        out.push(w);
        i += 1;
    }
    words = out;
    let null = if nullable { "NULL" } else { "NOT NULL" };
    let def = words.join(" ");
    // Where SHOW CREATE TABLE puts it: before the default, a comment or a column CHECK
    // (MariaDB's JSON columns have one, and nothing may follow it).
    let at = [" DEFAULT ", " ON UPDATE ", " COMMENT ", " CHECK ("]
        .iter()
        .filter_map(|k| def.find(k))
        .min();
    match at {
        Some(at) => format!("{} {null}{}", &def[..at], &def[at..]),
        None => format!("{def} {null}"),
    }
}

/// The table and column of a `set_not_null`: not a column a foreign key sets to NULL
/// (`ON DELETE SET NULL`), which MySQL refuses to make NOT NULL (error 1830).
fn check_set<'a>(
    ctx: &StepContext<'a>,
    s: &SetNotNull,
) -> super::Checked<(
    &'a strata_core::schema::Table,
    &'a strata_core::schema::Column,
)> {
    let (t, c) = find_table_column(ctx, &s.table, &s.column)?;
    if let Some(fk) = t.constraints.iter().find(|k| {
        k.references.is_some()
            && k.columns.contains(&c.name)
            && (k.definition.contains(" ON DELETE SET NULL")
                || k.definition.contains(" ON UPDATE SET NULL"))
    }) {
        return Err(format!(
            "foreign key {} sets \"{}\" to NULL when its parent goes; MySQL cannot make the column NOT NULL under it: replace the key first",
            fk.name, c.name
        ));
    }
    Ok((t, c))
}

pub async fn analyze_set(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &SetNotNull,
) -> Result<Analysis> {
    let (t, c) = match check_set(&ctx, s) {
        Err(m) => return Ok(refused(m)),
        Ok(x) => x,
    };
    let mut a = sized(t);
    if !c.nullable {
        a.warnings.push(format!(
            "{}.{} is already NOT NULL; nothing to do",
            t.name, c.name
        ));
        return Ok(a);
    }
    let filter = format!("c.{} IS NULL", ident(&c.name));
    let nulls = counter.count(t, &filter).await?;
    let shown = if nulls > 0 {
        examples(counter.source, t, &format!("c.{}", ident(&c.name)), &filter).await?
    } else {
        vec![]
    };
    a.findings.push(strata_core::preflight::nulls_finding(
        t,
        &c.name,
        nulls,
        s.fill.as_ref(),
        shown,
    ));
    if let Some(fill) = &s.fill {
        let writes = [(c.name.clone(), typed_literal(fill, c.portable))];
        super::refuse_conflicts(counter, &ctx, t, &writes, Some(&filter), &mut a).await?;
    }
    Ok(a)
}

pub fn compile_set(ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
    let (t, c) = check_set(&ctx, s).map_err(|m| ctx.error(m))?;
    if !c.nullable {
        return Ok(Vec::new());
    }
    let definition = exact_definition(c).map_err(|m| ctx.error(m))?;
    let step = ctx.step.index;
    let (tbl, col) = (qtable(&t.name), ident(&c.name));
    let mut actions = Vec::new();
    match &s.fill {
        Some(fill) if !t.primary_key.is_empty() => {
            actions.extend(super::conflict_checks(
                &ctx,
                t,
                &[(c.name.clone(), typed_literal(fill, c.portable))],
                Some(&format!("c.{col} IS NULL")),
            ));
            let bak = ctx.backup_name(&t.name, Some(&c.name));
            let (select, columns) = select_keyed(t, &[], Some(&format!("c.{col} IS NULL")));
            actions.extend(backup(
                &ctx,
                &bak,
                &select,
                &columns,
                &format!("the keys of the rows where {}.{} is NULL", t.name, c.name),
                format!(
                    "UPDATE {tbl} t JOIN {} b ON {} SET t.{col} = NULL",
                    qtable(&bak),
                    join_on("t", "b", &t.primary_key)
                ),
            ));
            actions.push(
                Action::new(
                    step,
                    ActionKind::Dml,
                    format!("fill the NULLs of {}.{} with {fill}", t.name, c.name),
                    Statement::Sql(format!(
                        "UPDATE {tbl} SET {col} = {} WHERE {col} IS NULL",
                        typed_literal(fill, c.portable)
                    )),
                )
                .restored_by_backup(),
            );
        }
        _ => actions.push(Action::check(
            step,
            ActionKind::Check,
            format!("{}.{} holds no NULL", t.name, c.name),
            Statement::Sql(format!("SELECT COUNT(*) FROM {tbl} WHERE {col} IS NULL")),
            0,
            format!(
                "rows of {} hold NULL in \"{}\" and the step has no usable `fill`",
                t.name, c.name
            ),
        )),
    }
    actions.push(
        Action::new(
            step,
            ActionKind::Ddl,
            online(format!("set {}.{} NOT NULL", t.name, c.name)),
            Statement::Sql(format!(
                "ALTER TABLE {tbl} MODIFY COLUMN {}{ONLINE}",
                with_nullability(&definition, false)
            )),
        )
        .outside_transaction()
        .with_probe(Statement::Sql(column_nullable_is(
            &t.name.name,
            &c.name,
            false,
        )))
        .with_inverse(Statement::Sql(format!(
            "ALTER TABLE {tbl} MODIFY COLUMN {definition}"
        )))
        .with_undo_probe(Statement::Sql(column_nullable_is(
            &t.name.name,
            &c.name,
            true,
        ))),
    );
    Ok(actions)
}

pub fn analyze_drop(ctx: StepContext<'_>, s: &DropNotNull) -> Analysis {
    match find_table_column(&ctx, &s.table, &s.column) {
        Err(m) => refused(m),
        Ok((t, c)) => {
            if t.primary_key.contains(&c.name) {
                return refused(format!(
                    "column \"{}\" is part of the primary key of \"{}\"",
                    c.name, t.name
                ));
            }
            let mut a = sized(t);
            if c.nullable {
                a.warnings.push(format!(
                    "{}.{} already allows NULL; nothing to do",
                    t.name, c.name
                ));
            }
            a
        }
    }
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropNotNull) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    if c.nullable {
        return Ok(Vec::new());
    }
    let definition = exact_definition(c).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        online(format!("drop NOT NULL on {}.{}", t.name, c.name)),
        Statement::Sql(format!(
            "ALTER TABLE {tbl} MODIFY COLUMN {}{ONLINE}",
            with_nullability(&definition, true)
        )),
    )
    .outside_transaction()
    .with_probe(Statement::Sql(column_nullable_is(
        &t.name.name,
        &c.name,
        true,
    )))
    .with_inverse(Statement::Sql(format!(
        "ALTER TABLE {tbl} MODIFY COLUMN {definition}"
    )))
    .with_undo_probe(Statement::Sql(column_nullable_is(
        &t.name.name,
        &c.name,
        false,
    )))])
}

#[cfg(test)]
mod tests {
    use super::with_nullability;

    #[test]
    fn names_with_quotes_and_keywords_are_no_clauses() {
        assert_eq!(
            with_nullability("`o'brien` longtext DEFAULT NULL", false),
            "`o'brien` longtext NOT NULL"
        );
        assert_eq!(
            with_nullability("`a`` DEFAULT b` int(11) DEFAULT 3 COMMENT 'it''s'", false),
            "`a`` DEFAULT b` int(11) NOT NULL DEFAULT 3 COMMENT 'it''s'"
        );
        assert_eq!(
            crate::compile::defaults::with_default(
                "`x DEFAULT 'y` text DEFAULT 'a b'",
                Some(" DEFAULT 'c'")
            ),
            "`x DEFAULT 'y` text DEFAULT 'c'"
        );
    }

    #[test]
    fn nullability_goes_before_a_column_check() {
        assert_eq!(
            with_nullability("`j` longtext DEFAULT '{}' CHECK (json_valid(`j`))", false),
            "`j` longtext NOT NULL DEFAULT '{}' CHECK (json_valid(`j`))"
        );
        assert_eq!(
            with_nullability("`a` int(11) DEFAULT NULL", false),
            "`a` int(11) NOT NULL"
        );
    }
}
