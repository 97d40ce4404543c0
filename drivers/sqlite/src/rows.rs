//! How rows read back and are written on SQLite ([`strata_sql::RowCodec`]); temporal values in
//! their canonical text forms.

use strata_core::schema::{Column, Table};
use strata_core::{PortableType, Result, Row, Value};
use strata_sql::RowCodec;

use crate::dialect::Lite;
use crate::sql::{ident, value};

/// The column's storage class, and its value as text (a blob as hex, whatever the column's
/// declared type: SQLite stores any value in any column, and a blob is not text).
fn select_expr(c: &Column) -> String {
    let q = ident(&c.name);
    format!("typeof({q}), CASE typeof({q}) WHEN 'blob' THEN hex({q}) ELSE CAST({q} AS TEXT) END")
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

fn to_value(c: &Column, class: Option<String>, text: Option<String>) -> Value {
    let Some(text) = text else { return Value::Null };
    if class.as_deref() == Some("blob") {
        return Value::Bytes(unhex(&text));
    }
    match c.portable {
        Some(PortableType::Bool) => Value::Bool(text != "0"),
        Some(t) if t.is_integer() => text.parse().map(Value::Int).unwrap_or(Value::Text(text)),
        Some(PortableType::Float32 | PortableType::Float64) => {
            text.parse().map(Value::Float).unwrap_or(Value::Text(text))
        }
        Some(PortableType::Json) => serde_json::from_str(&text)
            .map(Value::Json)
            .unwrap_or(Value::Text(text)),
        Some(PortableType::Bytes) => Value::Bytes(text.into_bytes()),
        _ => Value::Text(text),
    }
}

impl RowCodec for Lite {
    const INSERT_BATCH: usize = 200;

    fn select_expr(c: &Column) -> String {
        select_expr(c)
    }

    fn decode_row(t: &Table, cells: Vec<Option<String>>) -> Result<Row> {
        let mut values = cells.into_iter();
        Ok(t.columns
            .iter()
            .map(|c| {
                let class = values.next().flatten();
                (c.name.clone(), to_value(c, class, values.next().flatten()))
            })
            .collect())
    }

    fn literal(_: &Column, v: &Value) -> String {
        value(v)
    }
}
