//! What `set_not_null`, `drop_not_null`, `set_default` and `drop_default` share on SQLite: a
//! rebuild with the one column constraint changed in the table's text.

use strata_core::preflight::Checked;
use strata_core::schema::Table;
use strata_core::Refusal;
use strata_core::{Action, QualifiedName, Result, StepContext, StepKind};

use super::one_rebuild::Rebuilt;
use super::table_text::rebuildable_column;
use crate::ddl::lexer::same_name;
use crate::ddl::{ColumnConstraintKind, CreateTable, TableConstraintKind};
use crate::sql::literal;

/// The table and column a nullability or default step is about.
fn target(kind: &StepKind) -> Option<(&QualifiedName, &str)> {
    match kind {
        StepKind::SetNotNull(s) => Some((&s.table, &s.column)),
        StepKind::DropNotNull(s) => Some((&s.table, &s.column)),
        StepKind::SetDefault(s) => Some((&s.table, &s.column)),
        StepKind::DropDefault(s) => Some((&s.table, &s.column)),
        _ => None,
    }
}

/// Whether SQLite keeps NULL out of the column without a NOT NULL: the rowid
/// (`INTEGER PRIMARY KEY`), or a primary key column of a `WITHOUT ROWID` table. Any other
/// primary key column of a rowid table takes NULL (a quirk SQLite keeps for compatibility),
/// though strata reads it as NOT NULL.
fn never_null(text: &CreateTable<'_>, column: &str) -> bool {
    text.rowid_alias()
        .is_some_and(|c| same_name(&c.name.value, column))
        || (text.without_rowid && in_primary_key(text, column))
}

/// Whether the column is in the primary key.
fn in_primary_key(text: &CreateTable<'_>, column: &str) -> bool {
    let inline = text.column(column).is_some_and(|(_, c)| {
        c.constraints
            .iter()
            .any(|k| matches!(k.kind, ColumnConstraintKind::PrimaryKey { .. }))
    });
    inline
        || text.constraints().any(|(_, k)| match &k.kind {
            TableConstraintKind::PrimaryKey { parts } => parts.iter().any(|p| {
                p.column
                    .as_ref()
                    .is_some_and(|n| same_name(&n.value, column))
            }),
            _ => false,
        })
}

/// The table's text after a nullability or default step (the same text `crate::simulate`
/// predicts); `None` for any other step.
pub fn reshaped(
    text: &CreateTable<'_>,
    kind: &StepKind,
) -> Option<std::result::Result<String, String>> {
    Some(match kind {
        StepKind::SetNotNull(s) if never_null(text, &s.column) => Ok(text.sql.to_owned()),
        StepKind::SetNotNull(s) => text.with_not_null(&s.column),
        StepKind::DropNotNull(s) => text.without_not_null(&s.column),
        StepKind::SetDefault(s) => text.with_default(&s.column, &literal(&s.value)),
        StepKind::DropDefault(s) => text.without_default(&s.column),
        _ => return None,
    })
}

/// The table, its text, and the text after the step.
pub(super) fn check_reshape<'a>(
    ctx: &StepContext<'a>,
) -> Checked<(&'a Table, CreateTable<'a>, String)> {
    let not_ours = || Refusal::unsupported("not a nullability or default step");
    let (table, column) = target(&ctx.step.kind).ok_or_else(not_ours)?;
    let (t, text) = rebuildable_column(ctx, table, column)?;
    let to = reshaped(&text, &ctx.step.kind)
        .ok_or_else(not_ours)?
        .map_err(Refusal::unsupported)?;
    Ok((t, text, to))
}

pub(super) fn describe(kind: &StepKind, t: &Table) -> String {
    let (what, column) = match kind {
        StepKind::SetNotNull(s) => ("set NOT NULL on", &s.column),
        StepKind::DropNotNull(s) => ("drop NOT NULL on", &s.column),
        StepKind::SetDefault(s) => ("set the default of", &s.column),
        StepKind::DropDefault(s) => ("drop the default of", &s.column),
        _ => ("change", &t.name.name),
    };
    format!("{what} {}.{column} (table rebuild)", t.name)
}

/// `drop_not_null`, `set_default`, `drop_default`: a rebuild each way, nothing when the text
/// already says so.
pub fn compile_reshape(ctx: StepContext<'_>) -> Result<Vec<Action>> {
    match parts(&ctx)? {
        Some(p) => p.actions(&ctx),
        None => Ok(Vec::new()),
    }
}

/// `drop_not_null`, `set_default`, `drop_default` in parts ([`Rebuilt`]); `None` when the
/// text already says so.
pub(super) fn parts<'a>(ctx: &StepContext<'a>) -> Result<Option<Rebuilt<'a>>> {
    let (t, text, to) = ctx.checked(check_reshape(ctx))?;
    if to == text.sql {
        return Ok(None);
    }
    Ok(Some(Rebuilt {
        table: t,
        description: describe(&ctx.step.kind, t),
        text,
        to,
        forward: Vec::new(),
        back: Vec::new(),
        pre: Vec::new(),
        backup: None,
        before: Vec::new(),
        after: Vec::new(),
        destroys: false,
        undoable: true,
    }))
}
