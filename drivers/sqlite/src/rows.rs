//! How rows read back and are written on SQLite ([`strata_sql::RowCodec`]); temporal values in
//! their canonical text forms.

use strata_core::schema::{Column, Table};
use strata_core::{Result, Row, Value};
use strata_sql::RowCodec;

use crate::dialect::Lite;
use crate::sql::{ident, value};

/// The column's storage class, and its value as text (a blob as hex, whatever the column's
/// declared type: SQLite stores any value in any column, and a blob is not text).
fn select_expr(c: &Column) -> String {
    let q = ident(&c.name);
    format!("typeof({q}), CASE typeof({q}) WHEN 'blob' THEN hex({q}) ELSE CAST({q} AS TEXT) END")
}

fn to_value(c: &Column, class: Option<String>, text: Option<String>) -> Value {
    let Some(text) = text else { return Value::Null };
    if class.as_deref() == Some("blob") {
        return Value::Bytes(strata_sql::rows::unhex(&text));
    }
    strata_sql::rows::text_value(c, text, String::into_bytes)
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
