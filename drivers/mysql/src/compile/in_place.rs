//! `change_type` on MySQL in place, as a DBA does it: with the table locked (`LOCK TABLES …
//! WRITE`: other sessions' reads and writes wait), the values that will not convert are set as `on_incompatible` says and every
//! value not already written the way its converted value reads is rewritten so; then one
//! `ALTER TABLE … MODIFY COLUMN` converts the column in strict mode. Every value then reads as
//! the text of its converted value, which the server converts exactly (rounding, which strict
//! mode lets through with a note, has nothing left to round), and no row can be written in
//! between. Every value is then verified against its backed-up original. Should the `ALTER`
//! still fail, it changes nothing but the rewrite has run: the migration stops, and `strata
//! rollback` restores every value from the verified backup.
//!
//! Proven safe by the pre-flight predicates ([`incompatible`], [`expected`]) for the pairs of
//! [`applies`]; other pairs, and a `using` expression, go through the shadow column of
//! [`super::change_type`].

use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, OnIncompatible};
use strata_core::{Action, ActionKind, PortableType, Statement, StepContext};

use super::conversion::{
    canonical, convert_back, default_of, expected, expected_quickly, incompatible, range, same,
};
use crate::sql::{ident, join_on, table as qtable};
use crate::types;

/// Whether `c` converts to `s.to` in place: no `using`; a text source whose column has room
/// for the text of every converted value (it is written there before the `MODIFY`), or an
/// exact number narrowed to an integer or a decimal whose incompatible values become NULL.
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
    // A number's incompatible values are written in place: as NULL they fit, but a default
    // of the new type may not (274.555 in a BIGINT is 275).
    let exact_number = s.on_incompatible != OnIncompatible::UseDefault
        && c.portable
            .is_some_and(|p| p.is_integer() || matches!(p, PortableType::Decimal { .. }));
    match s.to {
        t if t.is_integer() => room(range(t).0.len() as u32) || exact_number,
        PortableType::Decimal { precision, .. } => room(u32::from(precision) + 3) || exact_number,
        PortableType::Bool => room(1),
        PortableType::Date => room(10),
        // Not `timestamptz`: MySQL's TIMESTAMP holds 1970 to 2038 only, which the date
        // predicate does not check; the shadow column's verified copy does.
        PortableType::Timestamp => room(26),
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
    let tbl = qtable(&t.name);
    let mut convert = Action::new(
        step,
        ActionKind::Ddl,
        format!(
            "convert {}.{} to {} in place: with the table locked (reads and writes wait), write its values as their converted values read{}, then MODIFY in strict mode (the server rebuilds the table)",
            t.name,
            c.name,
            types::native(s.to),
            incompatible_as(s)
        ),
        Statement::Sql(format!(
            "LOCK TABLES {tbl} WRITE;\n{};\nALTER TABLE {tbl} {};\nUNLOCK TABLES",
            rewrite(t, c, s),
            modify(c, s)
        )),
    )
    .outside_transaction()
    .with_inverse(Statement::Sql(convert_back(
        t, c, s.to, original, &tbl, bak,
    )));
    if s.on_incompatible != OnIncompatible::Fail {
        convert = convert.destructive();
    }
    vec![convert, verify(step, t, c, s, bak)]
}

/// What the plan says of the incompatible values.
pub(super) fn incompatible_as(s: &ChangeType) -> &'static str {
    match s.on_incompatible {
        OnIncompatible::Fail => "",
        OnIncompatible::SetNull => ", the incompatible ones as NULL",
        OnIncompatible::UseDefault => ", the incompatible ones as the default",
    }
}

/// The `UPDATE` that writes every value of `c` the way its converted value reads (run with
/// the table locked, right before [`modify`]).
pub(super) fn rewrite(t: &Table, c: &Column, s: &ChangeType) -> String {
    let col = ident(&c.name);
    let value = expected(&col, c, s);
    // A text value is rewritten unless it already reads byte for byte as its converted value
    // (` 12` and `+12` become `12`, `true` becomes `1`); a number only where it does not
    // convert.
    let rewrite = if types::is_textual(&c.native_type) {
        let quick = canonical(&col, c, s.to)
            .map(|q| format!(" AND NOT {q}"))
            .unwrap_or_default();
        format!("{col} IS NOT NULL{quick} AND NOT (BINARY CAST({value} AS CHAR) <=> BINARY {col})")
    } else {
        incompatible(&col, c, s.to)
    };
    format!(
        "UPDATE {} SET {col} = {value} WHERE {rewrite}",
        qtable(&t.name)
    )
}

/// The `MODIFY COLUMN` clause that converts `c` in strict mode.
pub(super) fn modify(c: &Column, s: &ChangeType) -> String {
    let mut definition = format!(
        "{} {}{}",
        ident(&c.name),
        types::native(s.to),
        if c.nullable { " NULL" } else { " NOT NULL" }
    );
    if let Some(d) = default_of(c) {
        definition.push_str(&format!(" DEFAULT {d}"));
    }
    format!("MODIFY COLUMN {definition}")
}

/// Every converted value of `c` against its original in `bak` (which holds it by key).
///
/// For an exact number (an integer kind, a decimal, a boolean), by fingerprint first: over
/// the table and over the originals' expected values, the row count and the sum of each value
/// (NULL as a number out of the type's range) weighted by a hash of its row's key (CRC32, made
/// odd: 31 bits), in exact arithmetic. One scan of each instead of a join of the two, with each
/// value computed once. Equal fingerprints prove the same number of rows; a wrong value (or
/// NULL) in one row always changes the sum; values moved between rows, or wrong in several,
/// could only leave it unchanged if the rows involved had weights that cancel out (two rows'
/// values swapped go unseen only when their weights are equal, 1 in 2^31). When the fingerprints
/// differ — rows another session inserted or deleted since the backup differ them too — the
/// join decides, row by row through the key, as it does for the other types.
pub(super) fn verify(
    step: usize,
    t: &Table,
    c: &Column,
    s: &ChangeType,
    bak: &strata_core::QualifiedName,
) -> Action {
    let col = ident(&c.name);
    let weight = |alias: &str| {
        let key = match t.primary_key.as_slice() {
            [one] => format!("{alias}.{}", ident(one)),
            many => {
                let quoted: Vec<String> = many
                    .iter()
                    .map(|k| format!("QUOTE({alias}.{})", ident(k)))
                    .collect();
                format!("CONCAT_WS(',', {})", quoted.join(", "))
            }
        };
        format!("CAST(CRC32({key}) | 1 AS SIGNED)")
    };
    let summed = |value: &str, alias: &str, from: &str| {
        weighted(value, s.to).map(|term| {
            format!(
                "(SELECT COUNT(*) AS n, COALESCE(SUM({term} * {}), 0) AS s FROM {from} {alias})",
                weight(alias)
            )
        })
    };
    let table = summed(&format!("c.{col}"), "c", &qtable(&t.name));
    let originals = summed(
        &expected_quickly(&format!("b.{col}"), c, s),
        "b",
        &qtable(bak),
    );
    let joined = format!(
        "SELECT COUNT(*) FROM {} c JOIN {} b ON {} WHERE NOT {}",
        qtable(&t.name),
        qtable(bak),
        join_on("c", "b", &t.primary_key),
        same(
            &format!("c.{col}"),
            &expected(&format!("b.{col}"), c, s),
            s.to
        )
    );
    // Rows another session inserted or deleted since the backup change the fingerprint but
    // not the values converted: then the join decides, as for the other types.
    let sql = match (table, originals) {
        (Some(a), Some(b)) => format!(
            "SELECT CASE WHEN a.n <=> b.n AND a.s <=> b.s THEN 0 ELSE ({joined}) END FROM {a} a, {b} b"
        ),
        _ => joined,
    };
    strata_sql::actions::converted_check(step, t, &c.name, sql)
}

/// `value` of `to` as a number to weight and sum exactly, NULL as one out of the type's
/// range: BIGINT arithmetic where value times weight stays within 2^63 (2^31 times a weight
/// under 2^32), DECIMAL otherwise.
/// `None` for the types that are not exact numbers.
fn weighted(value: &str, to: PortableType) -> Option<String> {
    Some(match to {
        PortableType::Int16 | PortableType::Int32 | PortableType::Bool => {
            format!("IFNULL({value}, 2147483648)")
        }
        t if t.is_integer() => {
            format!("IFNULL(CAST({value} AS DECIMAL(20,0)), 9223372036854775808)")
        }
        PortableType::Decimal { precision, scale } if precision <= 40 => format!(
            "IFNULL(CAST({value} AS DECIMAL({precision},{scale})), 1{})",
            "0".repeat(usize::from(precision - scale))
        ),
        _ => return None,
    })
}
