//! Reading and writing rows in the portable value model; temporal values in their canonical
//! text forms.

use strata_core::schema::{Column, Table};
use strata_core::{Error, PortableType, QualifiedName, Result, Row, Value};

use crate::connection::Session;
use crate::sql::{ident, idents, table as qtable, value};

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

pub async fn read(session: &Session, t: &Table) -> Result<Vec<Row>> {
    let exprs: Vec<String> = t.columns.iter().map(select_expr).collect();
    let order = if t.primary_key.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", idents(&t.primary_key))
    };
    let rows = session
        .rows(&format!(
            "SELECT {} FROM {}{order}",
            exprs.join(", "),
            qtable(&t.name)
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut values = r.into_iter();
            t.columns
                .iter()
                .map(|c| {
                    let class = values.next().flatten();
                    (c.name.clone(), to_value(c, class, values.next().flatten()))
                })
                .collect()
        })
        .collect())
}

pub async fn write(
    session: &Session,
    t: &Table,
    name: &QualifiedName,
    rows: &[Row],
) -> Result<u64> {
    let mut written = 0;
    for chunk in rows.chunks(200) {
        let Some(first) = chunk.first() else { continue };
        let columns: Vec<&String> = first.keys().collect();
        for c in &columns {
            if t.column(c).is_none() {
                return Err(Error::Usage(format!("table {name} has no column \"{c}\"")));
            }
        }
        let tuples: Vec<String> = chunk
            .iter()
            .map(|r| {
                format!(
                    "({})",
                    columns
                        .iter()
                        .map(|c| value(r.get(*c).unwrap_or(&Value::Null)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        written += session
            .execute(&format!(
                "INSERT INTO {} ({}) VALUES {}",
                qtable(name),
                idents(&columns),
                tuples.join(", ")
            ))
            .await?;
    }
    Ok(written)
}
