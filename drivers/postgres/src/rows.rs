//! How rows read back and are written on PostgreSQL ([`strata_sql::RowCodec`]): each row as one
//! `row_to_json`, temporal values in their canonical text forms.

use strata_core::schema::Table;
use strata_core::{Error, PortableType, Result, Row, Value};
use strata_sql::RowCodec;

use crate::dialect::Pg;
use crate::sql::{ident, table as qtable, value};

/// `expr` (a `to_char` with `.US`) without a zero fraction: `….500000` → `….5`.
fn trimmed_fraction(expr: &str) -> String {
    format!("regexp_replace({expr}, '\\.?0+$', '')")
}

fn select_expr(c: &strata_core::schema::Column) -> String {
    let q = ident(&c.name);
    match c.portable {
        Some(t)
            if t.is_integer()
                || matches!(
                    t,
                    PortableType::Bool
                        | PortableType::Float32
                        | PortableType::Float64
                        | PortableType::Json
                ) =>
        {
            format!("{q} AS {q}")
        }
        Some(PortableType::Bytes) => format!("encode({q}, 'hex') AS {q}"),
        Some(PortableType::Time) => format!(
            "{} AS {q}",
            trimmed_fraction(&format!(
                "to_char(DATE '2000-01-01' + {q}, 'HH24:MI:SS.US')"
            ))
        ),
        Some(PortableType::Timestamp) => format!(
            "{} AS {q}",
            trimmed_fraction(&format!("to_char({q}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"))
        ),
        Some(PortableType::TimestampTz) => {
            format!(
                "{} || 'Z' AS {q}",
                trimmed_fraction(&format!(
                    "to_char({q} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
                ))
            )
        }
        _ => format!("{q}::text AS {q}"),
    }
}

fn to_value(c: &strata_core::schema::Column, v: serde_json::Value) -> Value {
    match (c.portable, v) {
        (_, serde_json::Value::Null) => Value::Null,
        (Some(PortableType::Json), j) => Value::Json(j),
        (Some(PortableType::Bytes), serde_json::Value::String(s)) => Value::Bytes(decode_hex(&s)),
        (_, serde_json::Value::Bool(b)) => Value::Bool(b),
        (_, serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        (_, serde_json::Value::String(s)) => Value::Text(s),
        (_, other) => Value::Json(other),
    }
}

fn decode_hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

impl RowCodec for Pg {
    fn select_expr(c: &strata_core::schema::Column) -> String {
        select_expr(c)
    }

    /// One `row_to_json` text per row, over the columns' expressions.
    fn select_rows(t: &Table, order: &str) -> String {
        let exprs: Vec<String> = t.columns.iter().map(select_expr).collect();
        format!(
            "SELECT row_to_json(strata_row)::text FROM (SELECT {} FROM {}{order}) strata_row",
            exprs.join(", "),
            qtable(&t.name)
        )
    }

    fn decode_row(t: &Table, cells: Vec<Option<String>>) -> Result<Row> {
        let text = cells.into_iter().next().flatten().unwrap_or_default();
        let mut obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| {
                Error::Verification(format!("reading {}: row is not JSON: {e}", t.name))
            })?;
        Ok(t.columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    to_value(c, obj.remove(&c.name).unwrap_or_default()),
                )
            })
            .collect())
    }

    fn literal(c: &strata_core::schema::Column, v: &Value) -> String {
        value(v, &c.native_type)
    }

    fn insert_modifier(t: &Table) -> &'static str {
        if t.columns.iter().any(|c| c.identity.is_some()) {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        }
    }
}
