//! `change_type` on MySQL in place, as a DBA does it: the values that will not convert are
//! set as `on_incompatible` says (and every value not already written the way its converted
//! value reads is rewritten so), then one `ALTER TABLE … MODIFY COLUMN` converts the column in
//! strict mode, where a value that would still not convert is an error that changes nothing.
//! Every value is then verified against its backed-up original.
//!
//! Proven safe by the pre-flight predicates ([`incompatible`], [`expected`]) for the pairs of
//! [`applies`]; other pairs, and a `using` expression, go through the shadow column of
//! [`super::change_type`].

use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, OnIncompatible};
use strata_core::{Action, ActionKind, PortableType, Statement, StepContext};

use super::conversion::{convert_back, default_of, expected, incompatible, range, same};
use crate::sql::{ident, join_on, table as qtable};
use crate::types;

/// Whether `c` converts to `s.to` in place: no `using`; a text source whose column has room
/// for the text of every converted value (it is written there before the `MODIFY`), or an
/// exact number narrowed to an integer or a decimal.
pub(super) fn applies(c: &Column, s: &ChangeType) -> bool {
    if s.using.is_some() {
        return false;
    }
    let textual = types::is_textual(&c.native_type) && c.native_type.starts_with("varchar")
        || c.portable == Some(PortableType::Text);
    let room = |chars: u32| match c.portable {
        Some(PortableType::String { len }) => textual && len >= chars,
        Some(PortableType::Text) => textual,
        _ => false,
    };
    let exact_number = c
        .portable
        .is_some_and(|p| p.is_integer() || matches!(p, PortableType::Decimal { .. }));
    match s.to {
        t if t.is_integer() => room(range(t).0.len() as u32) || exact_number,
        PortableType::Decimal { precision, .. } => room(u32::from(precision) + 2) || exact_number,
        PortableType::Bool => room(1),
        PortableType::Date => room(10),
        PortableType::Timestamp | PortableType::TimestampTz => room(26),
        PortableType::Text | PortableType::String { .. } => textual,
        _ => false,
    }
}

/// The rewrite, the `MODIFY` and the verification; `bak` holds `(key, column)`.
pub(super) fn actions(
    ctx: &StepContext<'_>,
    s: &ChangeType,
    t: &Table,
    c: &Column,
    original: &str,
    bak: &strata_core::QualifiedName,
) -> Vec<Action> {
    let step = ctx.step.index;
    let (tbl, col) = (qtable(&t.name), ident(&c.name));
    let target = types::native(s.to);
    let value = expected(&col, c, s);
    let textual = types::is_textual(&c.native_type);
    // A text value is rewritten unless it already reads byte for byte as its converted value
    // (` 12` and `+12` become `12`, `true` becomes `1`); a number only where it does not
    // convert.
    let rewrite = if textual {
        format!("{col} IS NOT NULL AND NOT (BINARY CAST({value} AS CHAR) <=> BINARY {col})")
    } else {
        incompatible(&col, c, s.to)
    };
    let mut rewrite_action = Action::new(
        step,
        ActionKind::Dml,
        match s.on_incompatible {
            OnIncompatible::Fail => format!(
                "write the values of {}.{} as their converted values read",
                t.name, c.name
            ),
            _ => format!(
                "write the values of {}.{} as their converted values read, the incompatible ones as {}",
                t.name,
                c.name,
                if s.on_incompatible == OnIncompatible::SetNull { "NULL" } else { "the default" }
            ),
        },
        Statement::Sql(format!("UPDATE {tbl} SET {col} = {value} WHERE {rewrite}")),
    )
    .restored_by_backup();
    if s.on_incompatible != OnIncompatible::Fail {
        rewrite_action = rewrite_action.destructive();
    }
    let mut definition = format!(
        "{col} {target}{}",
        if c.nullable { " NULL" } else { " NOT NULL" }
    );
    if let Some(d) = default_of(c) {
        definition.push_str(&format!(" DEFAULT {d}"));
    }
    let modify = Action::new(
        step,
        ActionKind::Ddl,
        format!(
            "convert {}.{} to {target} in place (strict mode: a value that does not convert stops it, changing nothing; the server rebuilds the table, reads go on)",
            t.name, c.name
        ),
        Statement::Sql(format!("ALTER TABLE {tbl} MODIFY COLUMN {definition}")),
    )
    .outside_transaction()
    .with_inverse(Statement::Sql(convert_back(
        t, c, s.to, original, &tbl, bak,
    )));
    let verify = Action::check(
        step,
        ActionKind::Verify,
        format!(
            "verify every converted value of {}.{} against its original",
            t.name, c.name
        ),
        Statement::Sql(format!(
            "SELECT COUNT(*) FROM {tbl} c JOIN {} b ON {} WHERE NOT {}",
            qtable(bak),
            join_on("c", "b", &t.primary_key),
            same(
                &format!("c.{col}"),
                &expected(&format!("b.{col}"), c, s),
                s.to
            )
        )),
        0,
        format!(
            "{}.{} does not hold the converted values of its originals",
            t.name, c.name
        ),
    );
    vec![rewrite_action, modify, verify]
}
