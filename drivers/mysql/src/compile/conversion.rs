//! What converting a column's values means on MySQL and MariaDB, in strict mode: the
//! predicates (`REGEXP`, range checks) that tell which values a `CAST` would refuse or change,
//! the converted value as `on_incompatible` asks and its conversion back, a default retyped for
//! the new type, and the index key bytes a type takes in InnoDB.

use strata_core::schema::{Column, Table};
use strata_core::steps::{ChangeType, OnIncompatible};
use strata_core::{PortableType, QualifiedName};

use crate::sql::{ident, join_on, string, table as qtable};
use crate::types;

pub(super) const INTEGER: &str = "^[+-]?[0-9]+$";

pub(super) const NUMBER: &str = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$";

pub(super) const UUID: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

pub(super) const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

pub(super) const TIMESTAMP: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?)?$";
pub(super) const TIME: &str = "^-?[0-9]{1,3}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?$";

/// True when the text `t` is not a valid date (or date and time) of the `shape`. Checked
/// by its parts, never by a date function on text that may not be one: in strict mode a
/// warning inside an `UPDATE` is an error, and `STR_TO_DATE('12:30:45', …)` warns.
pub(super) fn not_a_date(t: &str, shape: &str) -> String {
    let part = |from: usize, len: usize| format!("CAST(SUBSTRING({t}, {from}, {len}) AS UNSIGNED)");
    format!(
        "CASE WHEN NOT ({t} REGEXP {}) THEN TRUE WHEN {} < 1000 OR {} NOT BETWEEN 1 AND 12 THEN TRUE \
         WHEN {} NOT BETWEEN 1 AND DAY(LAST_DAY(CONCAT(SUBSTRING({t}, 1, 7), '-01'))) THEN TRUE \
         WHEN CHAR_LENGTH({t}) > 10 THEN {} > 23 OR {} > 59 OR {} > 59 ELSE FALSE END",
        string(shape),
        part(1, 4),
        part(6, 2),
        part(9, 2),
        part(12, 2),
        part(15, 2),
        part(18, 2)
    )
}

pub(super) fn range(t: PortableType) -> (&'static str, &'static str) {
    match t {
        PortableType::Int16 => ("-32768", "32767"),
        PortableType::Int32 => ("-2147483648", "2147483647"),
        _ => ("-9223372036854775808", "9223372036854775807"),
    }
}

/// For text `v` of `from` converting to an integer kind `to`, a test far cheaper than
/// [`incompatible`] that the text already reads as its converted value: `0` or an optional
/// minus and ASCII digits without a leading zero, ending in a digit (a regular expression's
/// `$` also matches before a final newline), too few to leave the range. A value it passes
/// converts exactly to the number it reads as; one it does not pass goes through
/// [`expected`]. `None` for other pairs.
pub(super) fn canonical(v: &str, from: &Column, to: PortableType) -> Option<String> {
    if !to.is_integer() || !types::is_textual(&from.native_type) {
        return None;
    }
    let digits = range(to).1.len() - 2;
    Some(format!(
        "({v} REGEXP '^(0|-?[1-9][0-9]{{0,{digits}}})$' AND ASCII(RIGHT({v}, 1)) BETWEEN 48 AND 57)"
    ))
}

/// [`expected`], with the values [`canonical`] passes converted by a bare `CAST`.
pub(super) fn expected_quickly(v: &str, from: &Column, s: &ChangeType) -> String {
    match canonical(v, from, s.to) {
        Some(quick) if s.using.is_none() => format!(
            "CASE WHEN {quick} THEN CAST({v} AS SIGNED) ELSE {} END",
            expected(v, from, s)
        ),
        _ => expected(v, from, s),
    }
}

/// A predicate true when value `v` of `from` will not convert to `to`, or would change.
pub(super) fn incompatible(v: &str, from: &Column, to: PortableType) -> String {
    let source = from.portable;
    let textual = types::is_textual(&from.native_type);
    let numeric = source.is_some_and(|s| s.is_numeric() || s == PortableType::Bool);
    let trimmed = format!("TRIM({v})");
    let rule = match to {
        PortableType::Text | PortableType::Bytes => "FALSE".to_owned(),
        PortableType::String { len } if source == Some(PortableType::Bytes) => {
            format!("CHAR_LENGTH(CONVERT({v} USING utf8mb4)) > {len}")
        }
        PortableType::String { len } => format!("CHAR_LENGTH(CAST({v} AS CHAR)) > {len}"),
        t if t.is_integer() => {
            let (lo, hi) = range(t);
            // CASE, not OR: MySQL need not short-circuit, and a CAST of text that is no
            // number warns, which inside a strict UPDATE is an error.
            if textual {
                format!("CASE WHEN NOT ({trimmed} REGEXP {}) THEN TRUE ELSE CAST({trimmed} AS DECIMAL(65,0)) NOT BETWEEN {lo} AND {hi} END", string(INTEGER))
            } else if numeric {
                format!("{v} <> TRUNCATE({v}, 0) OR {v} NOT BETWEEN {lo} AND {hi}")
            } else {
                "TRUE".into()
            }
        }
        PortableType::Float32 | PortableType::Float64 => {
            if textual {
                format!("NOT ({trimmed} REGEXP {})", string(NUMBER))
            } else if numeric {
                "FALSE".into()
            } else {
                "TRUE".into()
            }
        }
        PortableType::Decimal { precision, scale } => {
            let limit = format!("1e{}", precision - scale);
            let value = if textual { format!("CAST({trimmed} AS DECIMAL(65,30))") } else { format!("CAST({v} AS DECIMAL(65,30))") };
            let range = format!("ABS({value}) >= {limit} OR ROUND({value}, {scale}) <> {value}");
            if textual {
                format!("CASE WHEN NOT ({trimmed} REGEXP {}) THEN TRUE ELSE {range} END", string(NUMBER))
            } else if numeric {
                range
            } else {
                "TRUE".into()
            }
        }
        PortableType::Bool => {
            if textual {
                format!("LOWER({trimmed}) NOT IN ('0', '1', 'true', 'false')")
            } else if numeric {
                format!("{v} NOT IN (0, 1)")
            } else {
                "TRUE".into()
            }
        }
        PortableType::Uuid if source == Some(PortableType::Bytes) => {
            format!("NOT (CONVERT({v} USING utf8mb4) REGEXP {})", string(UUID))
        }
        PortableType::Uuid => format!("NOT (CAST({v} AS CHAR) REGEXP {})", string(UUID)),
        PortableType::Json if source == Some(PortableType::Bytes) => {
            format!("NOT JSON_VALID(CONVERT({v} USING utf8mb4))")
        }
        PortableType::Json => format!("NOT JSON_VALID(CAST({v} AS CHAR))"),
        PortableType::Date => match source {
            Some(PortableType::Timestamp | PortableType::TimestampTz) => format!("TIME({v}) <> '00:00:00'"),
            _ if textual => not_a_date(&trimmed, DATE),
            _ => "TRUE".into(),
        },
        PortableType::Timestamp | PortableType::TimestampTz => match source {
            Some(PortableType::Date | PortableType::Timestamp | PortableType::TimestampTz) => "FALSE".into(),
            _ if textual => not_a_date(&trimmed, TIMESTAMP),
            _ => "TRUE".into(),
        },
        PortableType::Time if textual => format!(
            "NOT ({trimmed} REGEXP {}) OR CAST(SUBSTRING_INDEX(SUBSTRING_INDEX({trimmed}, ':', 2), ':', -1) AS UNSIGNED) > 59 OR CAST(SUBSTRING_INDEX({trimmed}, ':', -1) AS DECIMAL(9,6)) >= 60",
            string(TIME)
        ),
        PortableType::Time => "TRUE".into(),
        _ => "TRUE".into(),
    };
    // Bytes become text only when they are UTF-8: checked on their hex, as converting bytes
    // that are not is an error inside a strict UPDATE.
    let rule = match (source, to) {
        (
            Some(PortableType::Bytes),
            PortableType::Text
            | PortableType::String { .. }
            | PortableType::Uuid
            | PortableType::Json,
        ) => format!(
            "CASE WHEN NOT (HEX({v}) REGEXP {}) THEN TRUE ELSE {rule} END",
            string(UTF8_HEX)
        ),
        _ => rule,
    };
    format!("({v} IS NOT NULL AND ({rule}))")
}

/// The hex of well-formed UTF-8 (one to four bytes a character).
pub(super) const UTF8_HEX: &str = "^([0-7][0-9A-F]|[CD][0-9A-F][89AB][0-9A-F]|E[0-9A-F]([89AB][0-9A-F]){2}|F[0-4]([89AB][0-9A-F]){3})*$";

/// The converted value of a compatible `v`.
pub(super) fn convert(v: &str, from: &Column, to: PortableType) -> String {
    let textual = types::is_textual(&from.native_type);
    let t = if textual {
        format!("TRIM({v})")
    } else {
        v.to_owned()
    };
    match to {
        i if i.is_integer() => format!("CAST({t} AS SIGNED)"),
        PortableType::Decimal { precision, scale } => {
            format!("CAST({t} AS DECIMAL({precision},{scale}))")
        }
        PortableType::Float32 | PortableType::Float64 => format!("CAST({t} AS DOUBLE)"),
        PortableType::Bool if textual => format!(
            "CASE LOWER({t}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 ELSE CAST({t} AS SIGNED) END"
        ),
        PortableType::Timestamp | PortableType::TimestampTz if textual => {
            format!("REPLACE({t}, 'T', ' ')")
        }
        PortableType::Text
        | PortableType::String { .. }
        | PortableType::Uuid
        | PortableType::Json
            if from.portable == Some(PortableType::Bytes) =>
        {
            format!("CONVERT({v} USING utf8mb4)")
        }
        _ => v.to_owned(),
    }
}

/// The value a row must hold after the conversion, from its original `v`.
pub(super) fn expected(v: &str, from: &Column, s: &ChangeType) -> String {
    let converted = match s.using.as_ref().and_then(|u| u.mysql.as_deref()) {
        Some(expr) => format!("({expr})"),
        None => convert(v, from, s.to),
    };
    match s.on_incompatible {
        OnIncompatible::Fail => converted,
        OnIncompatible::SetNull => format!(
            "CASE WHEN {} THEN NULL ELSE {converted} END",
            incompatible(v, from, s.to)
        ),
        OnIncompatible::UseDefault => {
            format!(
                "CASE WHEN {} THEN {} ELSE {converted} END",
                incompatible(v, from, s.to),
                crate::sql::typed_literal(s.default.as_ref().expect("validated"), Some(s.to))
            )
        }
    }
}

/// `a` equals `b` for values of `to` (floats within their precision).
pub(super) fn same(a: &str, b: &str, to: PortableType) -> String {
    match to {
        PortableType::Float32 => format!(
            "(({a} IS NULL AND {b} IS NULL) OR ABS({a} - {b}) <= 1e-6 * GREATEST(1, ABS({b})))"
        ),
        _ => format!("({a} <=> {b})"),
    }
}

/// The `DEFAULT …` clause of a column definition, if any.
pub(super) fn default_of(c: &Column) -> Option<String> {
    let def = c.definition.as_deref()?;
    let start = def.find(" DEFAULT ")? + " DEFAULT ".len();
    let rest = &def[start..];
    // A string literal ends at its closing quote (quotes inside are doubled).
    if rest.starts_with('\'') {
        return strata_sql::text::string_literal_len(rest).map(|end| rest[..end].to_owned());
    }
    let end = [
        " ON UPDATE ",
        " COMMENT ",
        " CHECK ",
        " AUTO_INCREMENT",
        " INVISIBLE",
        " NOT NULL",
        " NULL",
    ]
    .iter()
    .filter_map(|k| rest.find(k))
    .min()
    .unwrap_or(rest.len());
    let value = rest[..end].trim();
    (value != "NULL").then(|| value.to_owned())
}

/// The statements converting the column, now `to`, back to `original`, its exact definition before
/// the step. A converted value need not convert back (a `use_default` value of the new type,
/// a lossy conversion), so every row the backup holds is emptied first and given its
/// original value after; only rows written since the migration are converted back, and the
/// server refuses (strict mode) any that cannot be. A NOT NULL column allows NULL meanwhile.
pub(super) fn convert_back(
    t: &Table,
    c: &Column,
    to: PortableType,
    original: &str,
    tbl: &str,
    bak: &QualifiedName,
) -> String {
    let col = ident(&c.name);
    let join = join_on("t", "b", &t.primary_key);
    let bak = qtable(bak);
    let nullable = |def: &str| def.replacen(" NOT NULL", " NULL", 1);
    let mut sql = Vec::new();
    // Back to a text column with room for the text of any value of `to`, the conversion
    // cannot fail, whatever was written since: the column goes back as it is, and one scan
    // of the table is saved.
    if has_room_for(c, to) {
        sql.push(format!("ALTER TABLE {tbl} MODIFY COLUMN {original}"));
        sql.push(format!(
            "UPDATE {tbl} t JOIN {bak} b ON {join} SET t.{col} = b.{col}"
        ));
        return sql.join(";\n");
    }
    if !c.nullable {
        sql.push(format!(
            "ALTER TABLE {tbl} MODIFY COLUMN {col} {} NULL",
            types::native(to)
        ));
    }
    sql.push(format!(
        "UPDATE {tbl} t JOIN {bak} b ON {join} SET t.{col} = NULL"
    ));
    sql.push(format!(
        "ALTER TABLE {tbl} MODIFY COLUMN {}",
        nullable(original)
    ));
    sql.push(format!(
        "UPDATE {tbl} t JOIN {bak} b ON {join} SET t.{col} = b.{col}"
    ));
    if !c.nullable {
        sql.push(format!("ALTER TABLE {tbl} MODIFY COLUMN {original}"));
    }
    sql.join(";\n")
}

/// Whether `c`, a text column, has room for the text of every value of `to` (a `tinyint(1)`
/// boolean holds -128 to 127), so that a strict `MODIFY` back to it cannot fail.
pub(super) fn has_room_for(c: &Column, to: PortableType) -> bool {
    let chars = match to {
        t if t.is_integer() => range(t).0.len() as u32,
        // A sign, the digits, the point, and a 0 before it when all are decimals.
        PortableType::Decimal { precision, .. } => u32::from(precision) + 3,
        PortableType::Bool => 4,
        PortableType::Date => 10,
        PortableType::Timestamp => 26,
        _ => return false,
    };
    types::is_textual(&c.native_type)
        && match c.portable {
            Some(PortableType::String { len }) => len >= chars,
            Some(PortableType::Text) => true,
            _ => false,
        }
}

/// InnoDB's longest index key (DYNAMIC row format, 16 KiB pages).
pub(super) const MAX_KEY_BYTES: u32 = 3072;

/// The most bytes a value of `ty` takes in an index key (four per character: utf8mb4);
/// `None` when InnoDB indexes it only by a prefix (or the type is unknown).
pub(super) fn key_bytes(ty: Option<PortableType>) -> Option<u32> {
    Some(match ty? {
        PortableType::Text | PortableType::Bytes | PortableType::Json => return None,
        PortableType::String { len } => 4 * len + 2,
        PortableType::Uuid => 144,
        PortableType::Decimal { .. } => 16,
        _ => 8,
    })
}
