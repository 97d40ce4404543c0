//! The schema checks every driver runs before a step: the objects it names exist, the ones it
//! creates do not, keys are where the step needs them. They are written once here; a driver
//! adds only what its engine requires on top, and reports a failed check as a refusal in the
//! plan and as an error at compile time, with the same words.

use std::collections::BTreeSet;

use crate::driver::StepContext;
use crate::schema::{Column, Constraint, ConstraintKind, Index, Table};
use crate::steps::{
    AddColumn, AddForeignKey, AddIndex, AddUnique, Backfill, ChangeType, CreateTable, DropColumn,
    DropForeignKey, DropIndex, DropTable, OnIncompatible, OrphanMode, RenameColumn, RenameTable,
};
use crate::QualifiedName;

/// A check's outcome: the objects it found, or why the step cannot run.
pub type Checked<T> = std::result::Result<T, String>;

/// What an engine allows in names.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The engine's name in messages (`PostgreSQL`).
    pub engine: &'static str,
    /// The longest identifier the engine keeps.
    pub max_name: usize,
    /// Whether `max_name` counts bytes (PostgreSQL) or characters (MySQL).
    pub name_in_bytes: bool,
    /// Whether names may be schema-qualified.
    pub schemas: bool,
    /// Whether every row has an identity of its own (MongoDB's `_id`), so that backing rows up
    /// and putting them back needs no primary key.
    pub row_ids: bool,
    /// Why the engine would reject or change a new name (`what`: "table name", "column
    /// name", …), beyond its length: refused in the plan instead of by the server half way.
    pub forbidden: fn(what: &str, name: &str) -> Option<String>,
}

/// [`Rules::forbidden`] for an engine that takes any name strata quotes.
pub fn any_name(_what: &str, _name: &str) -> Option<String> {
    None
}

impl Rules {
    /// Refuses a new name the engine would truncate or reject.
    pub fn new_name(&self, what: &str, name: &str) -> Checked<()> {
        if let Some(why) = (self.forbidden)(what, name) {
            return Err(format!("{what} {name:?}: {why}"));
        }
        let (len, unit) = if self.name_in_bytes {
            (name.len(), "bytes")
        } else {
            (name.chars().count(), "characters")
        };
        if len > self.max_name {
            let verb = if self.name_in_bytes {
                "keeps only"
            } else {
                "allows"
            };
            return Err(format!(
                "{what} \"{name}\" is {len} {unit} long; {} {verb} {}",
                self.engine, self.max_name
            ));
        }
        Ok(())
    }

    /// The table named `name`.
    pub fn table<'a>(&self, ctx: &StepContext<'a>, name: &QualifiedName) -> Checked<&'a Table> {
        if name.schema.is_some() && !self.schemas {
            return Err(format!(
                "\"{name}\": schema-qualified names are not supported on {} (capability `schemas`)",
                self.engine
            ));
        }
        ctx.snapshot
            .table(name)
            .ok_or_else(|| format!("table \"{name}\" does not exist"))
    }

    /// The table and its column.
    pub fn table_column<'a>(
        &self,
        ctx: &StepContext<'a>,
        table: &QualifiedName,
        column: &str,
    ) -> Checked<(&'a Table, &'a Column)> {
        let t = self.table(ctx, table)?;
        Ok((t, find_column(t, column)?))
    }
}

/// The column named `name` of `t`.
pub fn find_column<'a>(t: &'a Table, name: &str) -> Checked<&'a Column> {
    t.column(name)
        .ok_or_else(|| format!("column \"{name}\" does not exist in table \"{}\"", t.name))
}

/// `t`'s primary key; `why` says what strata needs it for.
pub fn primary_key<'a>(t: &'a Table, why: &str) -> Checked<&'a [String]> {
    if t.primary_key.is_empty() {
        Err(format!(
            "table \"{}\" has no primary key, so strata cannot {why}; add one first",
            t.name
        ))
    } else {
        Ok(&t.primary_key)
    }
}

/// `create_table`: new names, and no such table yet.
pub fn create_table(ctx: &StepContext<'_>, s: &CreateTable, rules: &Rules) -> Checked<()> {
    rules.new_name("table name", &s.table.name)?;
    for c in &s.columns {
        rules.new_name("column name", &c.name)?;
    }
    if s.table.schema.is_some() && !rules.schemas {
        return Err(format!(
            "\"{}\": schema-qualified names are not supported on {} (capability `schemas`)",
            s.table, rules.engine
        ));
    }
    if ctx.snapshot.table(&s.table).is_some() {
        return Err(format!("table \"{}\" already exists", s.table));
    }
    Ok(())
}

/// `drop_table`: no view depends on it, no other table's foreign key references it.
pub fn drop_table<'a>(ctx: &StepContext<'a>, s: &DropTable, rules: &Rules) -> Checked<&'a Table> {
    let t = rules.table(ctx, &s.table)?;
    if !t.dependents.is_empty() {
        return Err(format!(
            "{} depend on table \"{}\"; drop them first (sql step)",
            t.dependents.join(", "),
            t.name
        ));
    }
    let incoming = t.referenced_by_others();
    if !incoming.is_empty() {
        return Err(format!(
            "table \"{}\" is referenced by foreign keys {}; drop them first with drop_foreign_key",
            t.name,
            incoming.join(", ")
        ));
    }
    Ok(t)
}

/// `rename_table`: the new name is free.
pub fn rename_table<'a>(
    ctx: &StepContext<'a>,
    s: &RenameTable,
    rules: &Rules,
) -> Checked<&'a Table> {
    rules.new_name("table name", &s.to)?;
    let t = rules.table(ctx, &s.table)?;
    if ctx.snapshot.table(&s.table.with_name(&s.to)).is_some() {
        return Err(format!(
            "table \"{}\" already exists",
            s.table.with_name(&s.to)
        ));
    }
    Ok(t)
}

/// `add_column`: the name is free; a NOT NULL column on a table with rows has a default.
pub fn add_column<'a>(ctx: &StepContext<'a>, s: &AddColumn, rules: &Rules) -> Checked<&'a Table> {
    rules.new_name("column name", &s.column)?;
    let t = rules.table(ctx, &s.table)?;
    if t.column(&s.column).is_some() {
        return Err(format!(
            "column \"{}\" already exists in \"{}\"",
            s.column, t.name
        ));
    }
    if !s.nullable && s.default.is_none() && t.rows > 0 {
        return Err(format!(
            "table \"{}\" has rows, so a NOT NULL column needs a `default`",
            t.name
        ));
    }
    Ok(t)
}

/// `drop_column`: the column exists and is not part of the primary key; backing it up needs one.
pub fn drop_column<'a>(
    ctx: &StepContext<'a>,
    s: &DropColumn,
    rules: &Rules,
) -> Checked<(&'a Table, &'a Column)> {
    let (t, c) = rules.table_column(ctx, &s.table, &s.column)?;
    if t.primary_key.contains(&s.column) {
        return Err(format!(
            "column \"{}\" is part of the primary key of \"{}\"",
            s.column, t.name
        ));
    }
    if s.backup && !rules.row_ids {
        primary_key(
            t,
            "back up the column's values row by row (or set backup = false)",
        )?;
    }
    Ok((t, c))
}

/// `rename_column`: the column exists and the new name is free.
pub fn rename_column<'a>(
    ctx: &StepContext<'a>,
    s: &RenameColumn,
    rules: &Rules,
) -> Checked<&'a Table> {
    rules.new_name("column name", &s.to)?;
    let (t, _) = rules.table_column(ctx, &s.table, &s.column)?;
    if t.column(&s.to).is_some() {
        return Err(format!(
            "column \"{}\" already exists in \"{}\"",
            s.to, t.name
        ));
    }
    Ok(t)
}

/// `change_type`: the column exists, the table has a primary key for the backup, the engine's
/// `using` expression is given when any is, and NULL can stand for incompatible values.
pub fn change_type<'a>(
    ctx: &StepContext<'a>,
    s: &ChangeType,
    rules: &Rules,
    engine: &str,
) -> Checked<(&'a Table, &'a Column)> {
    let (t, c) = rules.table_column(ctx, &s.table, &s.column)?;
    if !rules.row_ids {
        primary_key(t, "back up the original values for an exact rollback")?;
    }
    if let Some(using) = &s.using {
        if using.sql_for(engine).is_none() {
            return Err(format!("field `using`: no `{engine}` expression"));
        }
    }
    if !c.nullable && s.on_incompatible == OnIncompatible::SetNull {
        return Err(format!(
            "column \"{}\" is NOT NULL, so incompatible values cannot be set to NULL; use on_incompatible = \"use_default\"",
            c.name
        ));
    }
    Ok((t, c))
}

/// The columns a placeholder parent row gets, each with the column of the missing-keys
/// backup it takes its value from: the referenced key, and, for a key that references its
/// own table, the key's own columns too, pointing at the placeholder itself (so that it is
/// not an orphan in turn, whatever their defaults).
pub fn placeholder_columns(s: &AddForeignKey) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = s
        .references
        .columns
        .iter()
        .map(|p| (p.clone(), p.clone()))
        .collect();
    if s.table == s.references.table {
        for (c, p) in s.columns.iter().zip(&s.references.columns) {
            if !out.iter().any(|(t, _)| t == c) {
                out.push((c.clone(), p.clone()));
            }
        }
    }
    out
}

/// `add_foreign_key`: both tables and all columns exist, the parent columns are a primary or
/// unique key, the replaced key exists, the new name is free, and the orphan mode can work.
/// Returns the child and the parent.
pub fn add_foreign_key<'a>(
    ctx: &StepContext<'a>,
    s: &AddForeignKey,
    rules: &Rules,
) -> Checked<(&'a Table, &'a Table)> {
    rules.new_name("constraint name", &s.constraint_name())?;
    let child = rules.table(ctx, &s.table)?;
    let parent = rules.table(ctx, &s.references.table)?;
    for c in &s.columns {
        find_column(child, c)?;
    }
    for c in &s.references.columns {
        find_column(parent, c)?;
    }
    let wanted: BTreeSet<&String> = s.references.columns.iter().collect();
    let same = |cols: &[String]| cols.iter().collect::<BTreeSet<_>>() == wanted;
    let keyed = same(&parent.primary_key)
        || parent
            .constraints
            .iter()
            .any(|c| c.kind == ConstraintKind::Unique && same(&c.columns))
        || parent.indexes.iter().any(|i| i.unique && same(&i.columns));
    if !keyed {
        return Err(format!(
            "({}) of \"{}\" is not a primary key or unique key; a foreign key must reference one",
            s.references.columns.join(", "),
            parent.name
        ));
    }
    if let Some(old) = &s.replace {
        if !child
            .constraints
            .iter()
            .any(|c| &c.name == old && c.kind == ConstraintKind::ForeignKey)
        {
            return Err(format!(
                "field `replace`: table \"{}\" has no foreign key named \"{old}\"",
                child.name
            ));
        }
    }
    let name = s.constraint_name();
    if child.constraint(&name).is_some() && s.replace.as_deref() != Some(name.as_str()) {
        return Err(format!(
            "table \"{}\" already has a constraint named \"{name}\" (use `replace` to replace it)",
            child.name
        ));
    }
    // A key that sets its columns to NULL when the parent goes needs columns that can be.
    for (clause, action) in [("ON DELETE", s.on_delete), ("ON UPDATE", s.on_update)] {
        if action == crate::steps::ReferentialAction::SetNull {
            if let Some(c) = s
                .columns
                .iter()
                .find(|c| child.column(c).is_some_and(|col| !col.nullable))
            {
                return Err(format!(
                    "{clause} SET NULL needs nullable key columns, and \"{c}\" is NOT NULL"
                ));
            }
        }
    }
    match s.orphans {
        OrphanMode::SetNull => {
            if let Some(c) = s
                .columns
                .iter()
                .find(|c| child.column(c).is_some_and(|col| !col.nullable))
            {
                return Err(format!(
                    "orphans = \"set_null\" needs nullable key columns, and \"{c}\" is NOT NULL"
                ));
            }
            if !rules.row_ids {
                primary_key(child, "record which rows it changed, for rollback")?;
            }
        }
        OrphanMode::Placeholder => {
            let blocked: Vec<&str> = parent
                .columns
                .iter()
                .filter(|c| {
                    !c.nullable
                        && c.default.is_none()
                        && c.identity.is_none()
                        && !s.references.columns.contains(&c.name)
                })
                .map(|c| c.name.as_str())
                .collect();
            if !blocked.is_empty() {
                return Err(format!(
                    "orphans = \"placeholder\" cannot insert parent rows: {} of \"{}\" NOT NULL without a default",
                    blocked.join(", "),
                    parent.name
                ));
            }
            // Every placeholder gets the same defaults: a unique key made only of defaulted
            // columns would repeat.
            let placed: Vec<String> = placeholder_columns(s).into_iter().map(|(c, _)| c).collect();
            let defaulted = |c: &String| {
                !placed.contains(c) && parent.column(c).is_some_and(|col| col.default.is_some())
            };
            let keys = parent
                .constraints
                .iter()
                .filter(|k| k.kind == ConstraintKind::Unique)
                .map(|k| (&k.name, &k.columns))
                .chain(
                    parent
                        .indexes
                        .iter()
                        .filter(|i| i.unique)
                        .map(|i| (&i.name, &i.columns)),
                );
            // A key on its own table points each placeholder at itself: its key columns take
            // the missing key, which the orphan rows already hold.
            let own: Vec<&String> = if child.name == parent.name {
                s.columns
                    .iter()
                    .filter(|c| !s.references.columns.contains(c))
                    .collect()
            } else {
                Vec::new()
            };
            let keys: Vec<(&String, &Vec<String>)> = keys.collect();
            if let Some((name, _)) = keys
                .iter()
                .find(|(_, cols)| !cols.is_empty() && cols.iter().all(|c| own.contains(&c)))
            {
                return Err(format!(
                    "orphans = \"placeholder\" would write each missing key into {} of its placeholder row too (a key on its own table points placeholders at themselves), which the orphan rows already hold: unique key {name} of \"{}\" would repeat",
                    s.columns.join(", "),
                    parent.name
                ));
            }
            for (name, columns) in keys {
                if !columns.is_empty() && columns.iter().all(defaulted) {
                    return Err(format!(
                        "orphans = \"placeholder\" would give every parent row the same default {} and repeat unique key {name} of \"{}\"",
                        columns.join(", "),
                        parent.name
                    ));
                }
            }
        }
        OrphanMode::Delete => {
            // Deleting a row can orphan (or, by CASCADE, delete) the rows that point at it:
            // other tables' and the table's own, and those of the new key itself when it
            // references its own table.
            let replaced = s.replace.as_ref().map(|r| format!("{}.{r}", child.name));
            let incoming: Vec<&str> = child
                .referenced_by
                .iter()
                .map(String::as_str)
                .filter(|r| Some(*r) != replaced.as_deref())
                .collect();
            if child.name == parent.name {
                return Err(format!(
                    "orphans = \"delete\" on a key of \"{}\" that references its own table could orphan the rows pointing at the deleted ones; use set_null or placeholder",
                    child.name
                ));
            }
            if !incoming.is_empty() {
                return Err(format!(
                    "orphans = \"delete\" on \"{}\" could cascade to rows that reference it ({}); handle those first or use set_null",
                    child.name,
                    incoming.join(", ")
                ));
            }
        }
        OrphanMode::Fail => {}
    }
    Ok((child, parent))
}

/// `drop_foreign_key`: the foreign key exists.
pub fn drop_foreign_key<'a>(
    ctx: &StepContext<'a>,
    s: &DropForeignKey,
    rules: &Rules,
) -> Checked<&'a Constraint> {
    let t = rules.table(ctx, &s.table)?;
    match t.constraint(&s.name) {
        Some(c) if c.kind == ConstraintKind::ForeignKey => Ok(c),
        Some(_) => Err(format!(
            "\"{}\" on \"{}\" is not a foreign key",
            s.name, t.name
        )),
        None => Err(format!(
            "table \"{}\" has no foreign key named \"{}\"",
            t.name, s.name
        )),
    }
}

fn name_taken(t: &Table, name: &str) -> Checked<()> {
    if t.indexes.iter().any(|i| i.name == name) || t.constraint(name).is_some() {
        return Err(format!(
            "table \"{}\" already has an index or constraint named \"{name}\"",
            t.name
        ));
    }
    Ok(())
}

/// `add_index`: the columns exist and the name is free.
pub fn add_index<'a>(ctx: &StepContext<'a>, s: &AddIndex, rules: &Rules) -> Checked<&'a Table> {
    rules.new_name("index name", &s.index_name())?;
    let t = rules.table(ctx, &s.table)?;
    for c in &s.columns {
        find_column(t, c)?;
    }
    name_taken(t, &s.index_name())?;
    Ok(t)
}

/// `add_unique`: the columns exist and the name is free.
pub fn add_unique<'a>(ctx: &StepContext<'a>, s: &AddUnique, rules: &Rules) -> Checked<&'a Table> {
    rules.new_name("constraint name", &s.constraint_name())?;
    let t = rules.table(ctx, &s.table)?;
    for c in &s.columns {
        find_column(t, c)?;
    }
    name_taken(t, &s.constraint_name())?;
    Ok(t)
}

/// `drop_index`: the index exists and no constraint owns it.
pub fn drop_index<'a>(
    ctx: &StepContext<'a>,
    s: &DropIndex,
    rules: &Rules,
) -> Checked<(&'a Table, &'a Index)> {
    let t = rules.table(ctx, &s.table)?;
    // Where indexes and constraints have names of their own (MySQL names the index it makes
    // for a foreign key after the key), the index is what the step means.
    if let Some(index) = t.indexes.iter().find(|i| i.name == s.name) {
        return Ok((t, index));
    }
    if t.constraint(&s.name).is_some() {
        return Err(format!(
            "\"{}\" belongs to a constraint of \"{}\"; drop the constraint instead",
            s.name, t.name
        ));
    }
    Err(format!(
        "table \"{}\" has no index named \"{}\"",
        t.name, s.name
    ))
}

/// The literals a step writes into existing columns (`set_default`'s value, `set_not_null`'s
/// fill, `backfill`'s `set`) that are no values of the column's type
/// ([`crate::PortableType::check_literal`]): refused in the plan, not by the engine half way.
pub fn literal_refusals(ctx: &StepContext<'_>) -> Vec<String> {
    use crate::steps::StepKind as K;
    let written: Vec<(&QualifiedName, &str, &serde_json::Value, &str)> = match &ctx.step.kind {
        K::SetDefault(s) => vec![(&s.table, s.column.as_str(), &s.value, "value")],
        K::SetNotNull(s) => s
            .fill
            .iter()
            .map(|f| (&s.table, s.column.as_str(), f, "fill"))
            .collect(),
        K::Backfill(s) => s
            .set
            .iter()
            .map(|(c, v)| (&s.table, c.as_str(), v, "set"))
            .collect(),
        _ => Vec::new(),
    };
    written
        .into_iter()
        .filter_map(|(table, column, value, field)| {
            let ty = ctx.snapshot.table(table)?.column(column)?.portable?;
            ty.check_literal(value)
                .err()
                .map(|why| format!("field `{field}`: {why} (column \"{column}\" of {table})"))
        })
        .collect()
}

/// `backfill`: the columns exist and the table has a primary key.
pub fn backfill<'a>(ctx: &StepContext<'a>, s: &Backfill, rules: &Rules) -> Checked<&'a Table> {
    let t = rules.table(ctx, &s.table)?;
    for c in s.columns() {
        find_column(t, c)?;
    }
    if !rules.row_ids {
        primary_key(t, "back up the rows it changes and update them in batches")?;
    }
    Ok(t)
}

/// The finding of `set_not_null`: `nulls` NULLs in `column` of `t`, filled with `fill` (which
/// needs a primary key to record the rows for rollback) or refusing the step.
pub fn nulls_finding(
    t: &Table,
    column: &str,
    nulls: u64,
    fill: Option<&serde_json::Value>,
    examples: Vec<String>,
) -> crate::Finding {
    let (handling, blocking) = match fill {
        Some(fill) => match primary_key(t, "record which rows it filled, for rollback") {
            Err(m) if nulls > 0 => (String::new(), Some(m)),
            _ => (
                format!(
                    "filled with {fill}; their keys are backed up and rollback puts the NULLs back"
                ),
                None,
            ),
        },
        None => (
            "the step is refused while any exist (no `fill`)".to_owned(),
            (nulls > 0).then(|| {
                format!(
                    "{nulls} rows of {} hold NULL in \"{column}\"; give `fill` a value for them",
                    t.name
                )
            }),
        ),
    };
    crate::Finding {
        kind: crate::FindingKind::Nulls,
        count: nulls,
        examples,
        handling,
        blocking,
    }
}

/// The finding of `drop_table`: its `rows` are destroyed, copied to `backup` first unless the
/// step says `backup = false`.
pub fn dropped_rows_finding(rows: u64, backup: Option<&QualifiedName>) -> crate::Finding {
    let handling = match backup {
        Some(b) => format!("copied to {} and verified before the drop", b.name),
        None => "NOT backed up (backup = false): the rows are lost".into(),
    };
    crate::Finding {
        kind: crate::FindingKind::RowsDestroyed,
        count: rows,
        examples: vec![],
        handling,
        blocking: None,
    }
}

/// The finding of a unique index or constraint: `count` keys of `columns` held by more than
/// one row refuse it.
pub fn duplicates_finding(
    t: &Table,
    columns: &[String],
    count: u64,
    examples: Vec<String>,
) -> crate::Finding {
    crate::Finding {
        kind: crate::FindingKind::Duplicates,
        count,
        examples,
        handling: "the step is refused while any exist".into(),
        blocking: (count > 0).then(|| {
            format!("{count} keys ({}) of {} are held by more than one row; remove the duplicates first", columns.join(", "), t.name)
        }),
    }
}
