//! Column steps on SQLite: `ADD`/`RENAME`/`DROP COLUMN` where `ALTER TABLE` can, a rebuild
//! otherwise.

use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::{
    AddColumn, Backfill, ChangeType, DropColumn, OnIncompatible, RenameColumn, SetNotNull,
};
use strata_core::{
    Action, ActionKind, Analysis, Finding, FindingKind, PortableType, QualifiedName, Result,
    Statement, StepContext,
};

use super::{
    backup, examples, from_backup, in_backup, keys_of, pk_join, rebuild_action, rebuildable,
    select_keyed, Counter, RULES,
};
use crate::rebuild::{ColumnDef, Shape};
use crate::sql::{ident, join_on, literal, table as qtable};
use crate::types;

pub fn compile_add(ctx: StepContext<'_>, s: &AddColumn) -> Result<Vec<Action>> {
    let t = preflight::add_column(&ctx, s, &RULES)
        .and_then(rebuildable)
        .map_err(|m| ctx.error(m))?;
    let mut def = format!("{} {}", ident(&s.column), types::native(s.ty));
    if !s.nullable {
        def.push_str(" NOT NULL");
    }
    if let Some(v) = &s.default {
        def.push_str(&format!(" DEFAULT {}", literal(v)));
    }
    let tbl = qtable(&t.name);
    let original = super::original_sql(t);
    let cols: Vec<(String, Option<String>)> = t
        .columns
        .iter()
        .map(|c| (c.name.clone(), crate::rebuild::keep(&c.name)))
        .collect();
    let indexes: Vec<String> = t.indexes.iter().map(|i| i.definition.clone()).collect();
    let triggers: Vec<String> = t.triggers.iter().map(|tr| tr.definition.clone()).collect();
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("add column {}.{}", t.name, s.column),
        Statement::Sql(format!("ALTER TABLE {tbl} ADD COLUMN {def}")),
    )
    .with_inverse(Statement::Sql(crate::rebuild::rebuild(
        t, &original, &cols, &indexes, &triggers,
    )))])
}

pub async fn analyze_drop(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &DropColumn,
) -> Result<Analysis> {
    let t = match preflight::drop_column(&ctx, s, &RULES).and_then(|(t, _)| rebuildable(t)) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let values = counter
        .count(t, &format!("c.{} IS NOT NULL", ident(&s.column)))
        .await?;
    let mut a = Analysis::of_table(t);
    let handling = if s.backup {
        format!(
            "copied with their keys to {} and verified before the drop",
            ctx.backup_name(&t.name, Some(&s.column))
        )
    } else {
        "NOT backed up (backup = false): the values are lost".to_owned()
    };
    a.findings.push(Finding {
        kind: FindingKind::RowsDestroyed,
        count: values,
        examples: vec![],
        handling,
        blocking: None,
    });
    Ok(a)
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
    let (t, _) = preflight::drop_column(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    rebuildable(t).map_err(|m| ctx.error(m))?;
    let mut shape = Shape::of(t);
    shape.columns.retain(|c| c.name != s.column);
    shape.constraints.retain(|c| !c.contains(&ident(&s.column)));
    let mut actions = Vec::new();
    let mut back = Vec::new();
    if s.backup {
        let bak = ctx.backup_name(&t.name, Some(&s.column));
        actions.extend(backup(
            &ctx,
            &bak,
            &select_keyed(t, std::slice::from_ref(&s.column), None),
            &format!("{}.{} with its keys", t.name, s.column),
            &t.primary_key,
        ));
        back.push((s.column.clone(), from_backup(t, &bak, &s.column)));
    }
    let mut drop = rebuild_action(
        &ctx,
        t,
        &shape,
        &[],
        &back,
        format!("drop column {}.{} (table rebuild)", t.name, s.column),
    )?
    .destructive();
    if !s.backup {
        drop.inverse = None;
    }
    actions.push(drop);
    Ok(actions)
}

pub fn compile_rename(ctx: StepContext<'_>, s: &RenameColumn) -> Result<Vec<Action>> {
    let t = preflight::rename_column(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let rename = |a: &str, b: &str| {
        Statement::Sql(format!(
            "ALTER TABLE {tbl} RENAME COLUMN {} TO {}",
            ident(a),
            ident(b)
        ))
    };
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("rename column {}.{} to {}", t.name, s.column, s.to),
        rename(&s.column, &s.to),
    )
    .with_inverse(rename(&s.to, &s.column))])
}

/// True when `v` will not convert to `to`, or would change.
fn incompatible(v: &str, to: PortableType) -> String {
    let text = format!("CAST({v} AS TEXT)");
    let rule = match to {
        PortableType::Text | PortableType::Bytes => "0".to_owned(),
        PortableType::String { len } => format!("length({text}) > {len}"),
        PortableType::Int16 | PortableType::Int32 | PortableType::Int64 => {
            let (lo, hi) = match to {
                PortableType::Int16 => ("-32768", "32767"),
                PortableType::Int32 => ("-2147483648", "2147483647"),
                _ => ("-9223372036854775808", "9223372036854775807"),
            };
            format!("CAST(CAST(trim({text}) AS INTEGER) AS TEXT) <> trim({text}) OR CAST(trim({text}) AS INTEGER) NOT BETWEEN {lo} AND {hi}")
        }
        PortableType::Float32 | PortableType::Float64 => format!("trim({text}) = '' OR trim({text}) GLOB '*[^0-9.eE+-]*'"),
        PortableType::Decimal { precision, scale } => format!(
            "trim({text}) = '' OR trim({text}) GLOB '*[^0-9.eE+-]*' OR abs(CAST({v} AS REAL)) >= 1e{} OR round(CAST({v} AS REAL), {scale}) <> CAST({v} AS REAL)",
            precision - scale
        ),
        PortableType::Bool => format!("lower(trim({text})) NOT IN ('0', '1', 'true', 'false')"),
        PortableType::Date => format!("date({v}) IS NULL"),
        PortableType::Time => format!("time({v}) IS NULL"),
        PortableType::Timestamp | PortableType::TimestampTz => format!("datetime({v}) IS NULL"),
        PortableType::Uuid => format!("length({text}) <> 36 OR {text} GLOB '*[^0-9a-fA-F-]*'"),
        PortableType::Json => format!("json_valid({text}) = 0"),
    };
    format!("({v} IS NOT NULL AND ({rule}))")
}

/// The converted value of a compatible `v`.
fn convert(v: &str, to: PortableType) -> String {
    match to {
        t if t.is_integer() => format!("CAST(trim(CAST({v} AS TEXT)) AS INTEGER)"),
        PortableType::Float32 | PortableType::Float64 => format!("CAST({v} AS REAL)"),
        PortableType::Decimal { .. } => format!("CAST({v} AS NUMERIC)"),
        PortableType::Bool => format!("CASE lower(trim(CAST({v} AS TEXT))) WHEN 'true' THEN 1 WHEN 'false' THEN 0 ELSE CAST({v} AS INTEGER) END"),
        PortableType::String { .. } | PortableType::Text | PortableType::Uuid => format!("CAST({v} AS TEXT)"),
        _ => v.to_owned(),
    }
}

fn converted(v: &str, s: &ChangeType) -> String {
    let value = match s.using.as_ref().and_then(|u| u.sqlite.as_deref()) {
        Some(expr) => format!("({expr})"),
        None => convert(v, s.to),
    };
    match s.on_incompatible {
        OnIncompatible::Fail => value,
        OnIncompatible::SetNull => format!(
            "CASE WHEN {} THEN NULL ELSE {value} END",
            incompatible(v, s.to)
        ),
        OnIncompatible::UseDefault => format!(
            "CASE WHEN {} THEN {} ELSE {value} END",
            incompatible(v, s.to),
            literal(s.default.as_ref().expect("validated"))
        ),
    }
}

pub async fn analyze_change_type(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &ChangeType,
) -> Result<Analysis> {
    let (t, c) = match preflight::change_type(&ctx, s, &RULES, "sqlite")
        .and_then(|(t, c)| rebuildable(t).map(|t| (t, c)))
    {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(x) => x,
    };
    let mut a = Analysis::of_table(t);
    if c.portable == Some(s.to) {
        a.warnings.push(format!(
            "column \"{}\" is already {}; nothing to do",
            c.name, s.to
        ));
        return Ok(a);
    }
    let predicate = incompatible(&format!("c.{}", ident(&c.name)), s.to);
    let n = counter.count(t, &predicate).await?;
    let shown = if n > 0 {
        examples(
            counter.source,
            t,
            &format!("c.{}", ident(&c.name)),
            &predicate,
        )
        .await?
    } else {
        vec![]
    };
    let (handling, blocking) = s.on_incompatible.describe(
        n,
        &format!("{}.{}", t.name, c.name),
        &s.to.to_string(),
        s.default.as_ref(),
    );
    a.findings.push(Finding {
        kind: FindingKind::Incompatible,
        count: n,
        examples: shown,
        handling,
        blocking,
    });
    Ok(a)
}

pub fn compile_change_type(ctx: StepContext<'_>, s: &ChangeType) -> Result<Vec<Action>> {
    let (t, c) = preflight::change_type(&ctx, s, &RULES, "sqlite").map_err(|m| ctx.error(m))?;
    rebuildable(t).map_err(|m| ctx.error(m))?;
    if c.portable == Some(s.to) {
        return Ok(Vec::new());
    }
    let step = ctx.step.index;
    let tbl = qtable(&t.name);
    let bak = ctx.backup_name(&t.name, Some(&c.name));
    let mut actions = backup(
        &ctx,
        &bak,
        &select_keyed(t, std::slice::from_ref(&c.name), None),
        &format!("{}.{} with its keys", t.name, c.name),
        &t.primary_key,
    );
    if s.on_incompatible == OnIncompatible::Fail && s.using.is_none() {
        actions.push(Action::check(
            step,
            ActionKind::Check,
            format!(
                "no value of {}.{} fails to convert to {}",
                t.name, c.name, s.to
            ),
            Statement::Sql(format!(
                "SELECT COUNT(*) FROM {tbl} c WHERE {}",
                incompatible(&format!("c.{}", ident(&c.name)), s.to)
            )),
            0,
            format!(
                "values of {}.{} will not convert to {} (on_incompatible = \"fail\")",
                t.name, c.name, s.to
            ),
        ));
    }
    let mut shape = Shape::of(t);
    for d in shape.columns.iter_mut().filter(|d| d.name == c.name) {
        d.declared = types::native(s.to);
    }
    let old = format!("strata_row.{}", ident(&c.name));
    let forward = vec![(c.name.clone(), converted(&old, s))];
    let back = vec![(
        c.name.clone(),
        format!(
            "CASE WHEN {} THEN {} ELSE {old} END",
            in_backup(t, &bak),
            from_backup(t, &bak, &c.name)
        ),
    )];
    let mut alter = rebuild_action(
        &ctx,
        t,
        &shape,
        &forward,
        &back,
        format!("convert {}.{} to {} (table rebuild)", t.name, c.name, s.to),
    )?;
    if s.on_incompatible != OnIncompatible::Fail {
        alter = alter.destructive();
    }
    actions.push(alter);
    if s.using.is_none() {
        actions.push(Action::check(
            step,
            ActionKind::Verify,
            format!(
                "verify every value of {}.{} against its original",
                t.name, c.name
            ),
            Statement::Sql(format!(
                "SELECT COUNT(*) FROM {tbl} JOIN {} b ON {} WHERE {tbl}.{col} IS NOT ({})",
                qtable(&bak),
                pk_join(t),
                converted(&format!("b.{}", ident(&c.name)), s),
                col = ident(&c.name)
            )),
            0,
            format!(
                "{}.{} does not hold the converted original values",
                t.name, c.name
            ),
        ));
    }
    Ok(actions)
}

pub async fn analyze_set_not_null(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &SetNotNull,
) -> Result<Analysis> {
    let (t, c) = match RULES
        .table_column(&ctx, &s.table, &s.column)
        .and_then(|(t, c)| rebuildable(t).map(|t| (t, c)))
    {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(x) => x,
    };
    let mut a = Analysis::of_table(t);
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
    a.findings.push(preflight::nulls_finding(
        t,
        &c.name,
        nulls,
        s.fill.as_ref(),
        shown,
    ));
    Ok(a)
}

pub fn compile_set_not_null(ctx: StepContext<'_>, s: &SetNotNull) -> Result<Vec<Action>> {
    let (t, c) = RULES
        .table_column(&ctx, &s.table, &s.column)
        .map_err(|m| ctx.error(m))?;
    rebuildable(t).map_err(|m| ctx.error(m))?;
    if !c.nullable {
        return Ok(Vec::new());
    }
    let step = ctx.step.index;
    let (tbl, col) = (qtable(&t.name), ident(&c.name));
    let mut actions = Vec::new();
    let mut back = Vec::new();
    match &s.fill {
        Some(fill) if !t.primary_key.is_empty() => {
            let bak = ctx.backup_name(&t.name, Some(&c.name));
            actions.extend(backup(
                &ctx,
                &bak,
                &select_keyed(t, &[], Some(&format!("c.{col} IS NULL"))),
                &format!("the keys of the rows where {}.{} is NULL", t.name, c.name),
                &t.primary_key,
            ));
            actions.push(
                Action::new(
                    step,
                    ActionKind::Dml,
                    format!("fill the NULLs of {}.{} with {fill}", t.name, c.name),
                    Statement::Sql(format!(
                        "UPDATE {tbl} SET {col} = {} WHERE {col} IS NULL",
                        literal(fill)
                    )),
                )
                .restored_by_backup(),
            );
            back.push((
                c.name.clone(),
                format!(
                    "CASE WHEN {} THEN NULL ELSE strata_row.{col} END",
                    in_backup(t, &bak)
                ),
            ));
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
    let mut shape = Shape::of(t);
    for d in shape.columns.iter_mut().filter(|d| d.name == c.name) {
        d.not_null = true;
    }
    actions.push(rebuild_action(
        &ctx,
        t,
        &shape,
        &[],
        &back,
        format!("set {}.{} NOT NULL (table rebuild)", t.name, c.name),
    )?);
    Ok(actions)
}

/// A change to a column's declaration only (nullability, default): a rebuild each way.
pub fn compile_reshape(
    ctx: StepContext<'_>,
    table: &QualifiedName,
    column: &str,
    what: &str,
    change: impl Fn(&mut ColumnDef),
) -> Result<Vec<Action>> {
    let (t, _): (&Table, _) = RULES
        .table_column(&ctx, table, column)
        .map_err(|m| ctx.error(m))?;
    rebuildable(t).map_err(|m| ctx.error(m))?;
    let mut shape = Shape::of(t);
    for d in shape.columns.iter_mut().filter(|d| d.name == column) {
        change(d);
    }
    Ok(vec![rebuild_action(
        &ctx,
        t,
        &shape,
        &[],
        &[],
        format!("{what} {}.{column} (table rebuild)", t.name),
    )?])
}

/// Rows (aliased `alias`) the backfill changes.
fn predicate(s: &Backfill, alias: &str) -> String {
    let mut parts: Vec<String> = s
        .conditions()
        .iter()
        .map(|(c, v)| match v {
            serde_json::Value::Null => format!("{alias}.{} IS NULL", ident(c)),
            v => format!("{alias}.{} = {}", ident(c), literal(v)),
        })
        .collect();
    let differs: Vec<String> = s
        .set
        .iter()
        .map(|(c, v)| format!("{alias}.{} IS NOT {}", ident(c), literal(v)))
        .collect();
    parts.push(format!("({})", differs.join(" OR ")));
    parts.join(" AND ")
}

pub async fn analyze_backfill(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    s: &Backfill,
) -> Result<Analysis> {
    let t = match preflight::backfill(&ctx, s, &RULES) {
        Err(m) => return Ok(Analysis::refused(m)),
        Ok(t) => t,
    };
    let n = counter.count(t, &predicate(s, "c")).await?;
    let mut a = Analysis::of_table(t);
    a.findings.push(Finding {
        kind: FindingKind::RowsChanged,
        count: n,
        examples: vec![],
        handling: format!(
            "updated in batches of {}; the old values are backed up and restored by rollback",
            s.batch_size
        ),
        blocking: None,
    });
    Ok(a)
}

pub fn compile_backfill(ctx: StepContext<'_>, s: &Backfill) -> Result<Vec<Action>> {
    let t = preflight::backfill(&ctx, s, &RULES).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let set_cols: Vec<String> = s.set.keys().cloned().collect();
    let bak = ctx.backup_name(&t.name, Some("backfill"));
    let mut actions = backup(
        &ctx,
        &bak,
        &select_keyed(t, &set_cols, Some(&predicate(s, "c"))),
        &format!("the rows of {} the backfill changes", t.name),
        &t.primary_key,
    );
    let assignments: Vec<String> = s
        .set
        .iter()
        .map(|(c, v)| format!("{} = {}", ident(c), literal(v)))
        .collect();
    let restore: Vec<String> = set_cols
        .iter()
        .map(|c| format!("{q} = b.{q}", q = ident(c)))
        .collect();
    let keys = keys_of(t);
    actions.push(
        Action::new(
            ctx.step.index,
            ActionKind::Backfill,
            format!("backfill {} ({}) in batches of {}", t.name, set_cols.join(", "), s.batch_size),
            Statement::Sql(format!(
                "UPDATE {tbl} SET {} WHERE ({keys}) IN (SELECT {} FROM {tbl} c JOIN {} b ON {} WHERE {} LIMIT {})",
                assignments.join(", "),
                t.primary_key.iter().map(|k| format!("c.{}", ident(k))).collect::<Vec<_>>().join(", "),
                qtable(&bak),
                join_on("c", "b", &t.primary_key),
                predicate(s, "c"),
                s.batch_size
            )),
        )
        .with_inverse(Statement::Sql(format!("UPDATE {tbl} SET {} FROM {} b WHERE {}", restore.join(", "), qtable(&bak), pk_join(t)))),
    );
    Ok(actions)
}
