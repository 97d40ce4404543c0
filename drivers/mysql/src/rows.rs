//! How rows read back and are written on MySQL ([`strata_sql::RowCodec`]). Temporal values read back in the
//! canonical forms of core's `Value` (`2024-02-29`, `13:14:15`, `2024-02-29T13:14:15`,
//! `2024-02-29T13:14:15Z`, fractions only when non-zero).

use strata_core::schema::{Column, Table};
use strata_core::{PortableType, Result, Row, Value};
use strata_sql::RowCodec;

use crate::dialect::My;
use crate::sql::{ident, string, value};

/// `ts` without a zero fraction: `…:15.500000` → `…:15.5`, `…:15.000000` → `…:15`.
fn trimmed_fraction(expr: &str) -> String {
    format!("TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {expr}))")
}

fn select_expr(c: &Column) -> String {
    let q = ident(&c.name);
    match c.portable {
        Some(PortableType::Bytes) => format!("HEX({q})"),
        Some(PortableType::Timestamp) => {
            trimmed_fraction(&format!("DATE_FORMAT({q}, '%Y-%m-%dT%H:%i:%s.%f')"))
        }
        Some(PortableType::TimestampTz) => format!(
            "CONCAT({}, 'Z')",
            trimmed_fraction(&format!("DATE_FORMAT({q}, '%Y-%m-%dT%H:%i:%s.%f')"))
        ),
        Some(PortableType::Time) => trimmed_fraction(&format!("TIME_FORMAT({q}, '%H:%i:%s.%f')")),
        _ => format!("CAST({q} AS CHAR)"),
    }
}

fn to_value(c: &Column, text: Option<String>) -> Value {
    match text {
        None => Value::Null,
        Some(text) => strata_sql::rows::text_value(c, text, |hex| strata_sql::rows::unhex(&hex)),
    }
}

/// A value for a column: temporal text in its canonical form becomes what MySQL accepts.
fn column_value(c: &Column, v: &Value) -> String {
    match (c.portable, v) {
        (Some(PortableType::Timestamp | PortableType::TimestampTz), Value::Text(s)) => {
            string(s.trim_end_matches('Z').replace('T', " ").as_str())
        }
        _ => value(v),
    }
}

impl RowCodec for My {
    fn select_expr(c: &Column) -> String {
        select_expr(c)
    }

    fn decode_row(t: &Table, cells: Vec<Option<String>>) -> Result<Row> {
        Ok(t.columns
            .iter()
            .zip(cells)
            .map(|(c, v)| (c.name.clone(), to_value(c, v)))
            .collect())
    }

    fn literal(c: &Column, v: &Value) -> String {
        column_value(c, v)
    }
}
