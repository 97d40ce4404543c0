//! `change_type`: the values that will not convert are counted with a predicate per target
//! type before anything runs; the table is rebuilt with the column's declared type changed
//! in its text (on a STRICT table, to the storage class that holds the type) and each value
//! converted in the copy; rollback rebuilds the original text and reads the original values
//! back from the backup.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight::Checked;
use strata_core::schema::{Column, ConstraintKind, Table};
use strata_core::steps::{ChangeType, OnIncompatible};
use strata_core::writes::{self, Conflict};
use strata_core::Refusal;
use strata_core::{Action, Analysis, PortableType, QualifiedName, Result, StepContext};
use strata_sql::actions::unconverted_check;

use super::backup::{from_backup, in_backup, no_null_keys, pk_join, refuse_null_keys};
use super::one_rebuild::{KeyedBackup, Rebuilt};
use super::table_text::rebuildable_column;
use super::{Analyzer, Compiler, QUOTING, RULES};
use crate::ddl::lexer::same_name;
use crate::ddl::CreateTable;
use crate::sql::{ident, literal, table as qtable};
use crate::types;

/// Whether `column` is the table's rowid (`INTEGER PRIMARY KEY`), which stays the rowid only
/// while it is declared `INTEGER`: `BIGINT PRIMARY KEY` is an ordinary key, so a rebuild would
/// renumber the rowids, an INSERT that omits the key would store NULL in it, and
/// `AUTOINCREMENT` (allowed only on the rowid) would fail the rebuild.
fn is_rowid(text: &CreateTable<'_>, column: &str) -> bool {
    text.rowid_alias()
        .is_some_and(|c| same_name(&c.name.value, column))
}

/// Whether the rowid is what `s.to` asks for already: a 64-bit integer declared `INTEGER`.
fn rowid_already(text: &CreateTable<'_>, s: &ChangeType) -> bool {
    is_rowid(text, &s.column) && matches!(s.to, PortableType::Int32 | PortableType::Int64)
}

/// Whether the column is declared as `s.to` already (then the step does nothing).
fn already(text: &CreateTable<'_>, s: &ChangeType) -> bool {
    rowid_already(text, s)
        || text
            .column(&s.column)
            .and_then(|(_, c)| c.ty.clone())
            .is_some_and(|ty| types::portable(&text.sql[ty]) == Some(s.to))
}

/// The table's text after the step (the same text `crate::simulate` predicts).
pub fn changed_type(text: &CreateTable<'_>, s: &ChangeType) -> std::result::Result<String, String> {
    if already(text, s) {
        return Ok(text.sql.to_owned());
    }
    if is_rowid(text, &s.column) {
        return Err(format!(
            "column \"{}\" of \"{}\" is its rowid (INTEGER PRIMARY KEY), a 64-bit integer that \
             stays the rowid only while it is declared INTEGER; as {} SQLite would renumber the \
             rows' rowids and no longer give a row inserted without it a key (and refuse \
             AUTOINCREMENT). strata keeps it INTEGER for int32 and int64 only",
            s.column, text.name.value, s.to
        ));
    }
    let declared = types::declared(s.to, text.strict)
        .map_err(|m| format!("column \"{}\" of \"{}\": {m}", s.column, text.name.value))?;
    text.with_type(&s.column, &declared)
}

type Checks<'a> = (&'a Table, &'a Column, CreateTable<'a>, String);

fn check<'a>(ctx: &StepContext<'a>, s: &ChangeType) -> Checked<Checks<'a>> {
    let (t, text) = rebuildable_column(ctx, &s.table, &s.column)?;
    let (_, c) = s.preflight(ctx.snapshot, &RULES, "sqlite")?;
    let to = changed_type(&text, s).map_err(Refusal::unsupported)?;
    Ok((t, c, text, to))
}

/// True when `v`, a BLOB, is not text: bytes that are not UTF-8, or that hold a NUL (SQLite's
/// text functions stop at it). `CAST(… AS TEXT)` reinterprets a BLOB's bytes unchecked, so
/// such a value would become a TEXT no one can read. SQLite has no UTF-8 check of its own;
/// this one decodes each character as SQLite does (`unicode`, which reads a malformed
/// sequence as U+FFFD or as a lone continuation byte) and encodes it again (`char`): only a
/// well-formed character gives its own bytes back.
fn not_text(v: &str) -> String {
    let text = format!("CAST({v} AS TEXT)");
    format!(
        "(typeof({v}) = 'blob' AND (instr({v}, X'00') > 0 OR EXISTS (\
         WITH RECURSIVE strata_char (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM strata_char \
         WHERE i < length({text})) SELECT 1 FROM strata_char WHERE i <= length({text}) \
         AND CAST(char(unicode(substr({text}, i, 1))) AS BLOB) IS NOT CAST(substr({text}, i, 1) AS BLOB))))"
    )
}

/// True when the text `t` is not a number as SQLite writes one: compared with a REAL, a text
/// takes NUMERIC affinity only when it is a well-formed number (`'2020-01-01'` is not, though
/// `CAST` reads its prefix `2020`); one that overflows to infinity is not either.
fn not_a_number(t: &str) -> String {
    format!("NOT (CAST({t} AS REAL) = {t}) OR abs(CAST({t} AS REAL)) = 9e999")
}

/// True when `v` will not convert to `to`, or would change.
fn incompatible(v: &str, to: PortableType) -> String {
    let text = format!("CAST({v} AS TEXT)");
    let trimmed = format!("trim({text})");
    let rule = match to {
        PortableType::Bytes => "0".to_owned(),
        PortableType::Text => not_text(v),
        PortableType::String { len } => format!("{} OR length({text}) > {len}", not_text(v)),
        PortableType::Int16 | PortableType::Int32 | PortableType::Int64 => {
            let (lo, hi) = match to {
                PortableType::Int16 => ("-32768", "32767"),
                PortableType::Int32 => ("-2147483648", "2147483647"),
                _ => ("-9223372036854775808", "9223372036854775807"),
            };
            format!("CAST(CAST({trimmed} AS INTEGER) AS TEXT) <> {trimmed} OR CAST({trimmed} AS INTEGER) NOT BETWEEN {lo} AND {hi}")
        }
        PortableType::Float32 | PortableType::Float64 => not_a_number(&trimmed),
        PortableType::Decimal { precision, scale } => format!(
            "{} OR abs(CAST({v} AS REAL)) >= 1e{} OR round(CAST({v} AS REAL), {scale}) <> CAST({v} AS REAL)",
            not_a_number(&trimmed),
            precision - scale
        ),
        PortableType::Bool => format!("lower({trimmed}) NOT IN ('0', '1', 'true', 'false')"),
        PortableType::Date => format!("date({v}) IS NULL"),
        PortableType::Time => format!("time({v}) IS NULL"),
        PortableType::Timestamp | PortableType::TimestampTz => format!("datetime({v}) IS NULL"),
        PortableType::Uuid => {
            let hex = |n: usize| "[0-9a-fA-F]".repeat(n);
            format!(
                "NOT ({text} GLOB '{}-{}-{}-{}-{}')",
                hex(8),
                hex(4),
                hex(4),
                hex(4),
                hex(12)
            )
        }
        PortableType::Json => format!("{} OR json_valid({text}) = 0", not_text(v)),
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
        // JSON is text: a BLOB would read as SQLite's binary JSONB.
        PortableType::Json => format!("CASE WHEN typeof({v}) = 'blob' THEN CAST({v} AS TEXT) ELSE {v} END"),
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
            s.default
                .as_ref()
                .map_or_else(|| "NULL".to_owned(), literal)
        ),
    }
}

/// What the conversion writes that a key of the table would stop half way, or that would
/// break one: converted values that repeat under a unique key (`' 1'` and `'1'` are one
/// integer, every incompatible value takes the one default) or that a CHECK refuses, and the
/// default, where it is written, under a foreign key. Values the step leaves as they are (an orphan that stays one)
/// are not counted.
fn conflicts(ctx: &StepContext<'_>, t: &Table, c: &Column, s: &ChangeType) -> Vec<Conflict> {
    let column = format!("c.{}", ident(&c.name));
    let mut unique = t.clone();
    unique
        .constraints
        .retain(|k| k.kind != ConstraintKind::ForeignKey);
    let converted = [(c.name.clone(), converted(&column, s))];
    let mut out: Vec<Conflict> =
        writes::conflicts(ctx.snapshot, &unique, &converted, None, QUOTING)
            .into_iter()
            .chain(super::writes::broken_checks(t, &converted, "1"))
            .map(|k| Conflict {
                refusal: format!("converted to {}, {}", s.to, k.refusal),
                ..k
            })
            .collect();
    if let (OnIncompatible::UseDefault, Some(d)) = (s.on_incompatible, &s.default) {
        let mut keyed = t.clone();
        keyed
            .constraints
            .retain(|k| k.kind == ConstraintKind::ForeignKey);
        keyed.primary_key.clear();
        keyed.indexes.clear();
        out.extend(writes::conflicts(
            ctx.snapshot,
            &keyed,
            &[(c.name.clone(), literal(d))],
            Some(&incompatible(&column, s.to)),
            QUOTING,
        ));
    }
    out
}

impl AnalyzeKind<ChangeType> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Analysis> {
        let counter = self.counter;
        let (t, c, text) = match check(&ctx, s) {
            Err(m) => return Ok(Analysis::refused(m)),
            Ok((t, c, text, _)) => (t, c, text),
        };
        let mut a = Analysis::of_table(t);
        if rowid_already(&text, s) {
            a.warnings.push(format!(
                "column \"{}\" is the rowid of {} (INTEGER PRIMARY KEY), which SQLite stores as a \
             64-bit integer already; it stays declared INTEGER (as {} it would no longer be the \
             rowid): nothing to do",
                c.name, t.name, s.to
            ));
            return Ok(a);
        }
        if already(&text, s) {
            a.warnings.push(format!(
                "column \"{}\" is already {}; nothing to do",
                c.name, s.to
            ));
            return Ok(a);
        }
        refuse_null_keys(counter, t, &text, &mut a).await?;
        let predicate = incompatible(&format!("c.{}", ident(&c.name)), s.to);
        let value = format!("c.{}", ident(&c.name));
        let finding =
            strata_sql::incompatible_finding(counter, s, t, &c.name, &value, &predicate).await?;
        let n = finding.count;
        // Values that will not convert refuse a `fail` step already; what they would convert to
        // does not matter.
        if n == 0 || s.on_incompatible != OnIncompatible::Fail {
            strata_core::writes::refuse(counter, conflicts(&ctx, t, c, s), &mut a).await?;
        }
        a.findings.push(finding);
        Ok(a)
    }
}

impl CompileKind<ChangeType> for Compiler {
    fn compile(&self, ctx: StepContext<'_>, s: &ChangeType) -> Result<Vec<Action>> {
        match parts(&ctx, s, None)? {
            Some(p) => p.actions(&ctx),
            None => Ok(Vec::new()),
        }
    }
}

/// The step in parts ([`Rebuilt`]); `None` when the column is of the type already. Its values
/// are backed up to `shared` when given (one copy for several steps on the table), else to
/// its own backup.
pub(super) fn parts<'a>(
    ctx: &StepContext<'a>,
    s: &ChangeType,
    shared: Option<&QualifiedName>,
) -> Result<Option<Rebuilt<'a>>> {
    let (t, c, text, to) = ctx.checked(check(ctx, s))?;
    if already(&text, s) {
        return Ok(None);
    }
    let step = ctx.step.index;
    let tbl = qtable(&t.name);
    let bak = shared
        .cloned()
        .unwrap_or_else(|| ctx.backup_name(&t.name, Some(&c.name)));
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
    let pre: Vec<Action> = no_null_keys(ctx, t, &text).into_iter().collect();
    let backup = Some(KeyedBackup {
        name: bak.clone(),
        columns: vec![c.name.clone()],
        what: format!("{}.{}", t.name, c.name),
    });
    let mut before = Vec::new();
    if s.on_incompatible == OnIncompatible::Fail && s.using.is_none() {
        let count = format!(
            "SELECT COUNT(*) FROM {tbl} c WHERE {}",
            incompatible(&format!("c.{}", ident(&c.name)), s.to)
        );
        before.push(unconverted_check(step, t, &c.name, s, count));
    }
    before.extend(strata_core::writes::checks(
        ctx.step.index,
        &t.name,
        conflicts(ctx, t, c, s),
    ));
    let mut after = Vec::new();
    if s.using.is_none() {
        after.push(strata_sql::actions::converted_check(
            step,
            t,
            &c.name,
            format!(
                "SELECT COUNT(*) FROM {tbl} JOIN {} b ON {} WHERE {tbl}.{col} IS NOT ({})",
                qtable(&bak),
                pk_join(t),
                converted(&format!("b.{}", ident(&c.name)), s),
                col = ident(&c.name)
            ),
        ));
    }
    Ok(Some(Rebuilt {
        table: t,
        text,
        to,
        forward,
        back,
        pre,
        backup,
        before,
        after,
        description: format!("convert {}.{} to {} (table rebuild)", t.name, c.name, s.to),
        destroys: s.on_incompatible != OnIncompatible::Fail,
        undoable: true,
    }))
}

strata_core::golden_test!("change_type");
