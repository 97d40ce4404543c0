//! The examples a plan shows beside a count: a few rows, by key, with the value that makes
//! them count.

use strata_core::schema::Table;
use strata_core::Result;

use crate::{Dialect, Session};

/// Up to five `key: value` examples of the rows of `t` (aliased `c`) that `filter` selects:
/// each row's primary key (`id=7`, or `row` for a table without one) and the value
/// `value_sql` takes in it, written as the engine writes a literal.
pub async fn examples<D: Dialect>(
    session: &Session<D>,
    t: &Table,
    value_sql: &str,
    filter: &str,
) -> Result<Vec<String>> {
    let mut parts = Vec::new();
    if t.primary_key.is_empty() {
        parts.push(D::string("row"));
    }
    for (i, k) in t.primary_key.iter().enumerate() {
        if i > 0 {
            parts.push(D::string(", "));
        }
        parts.push(D::string(&format!("{k}=")));
        parts.push(D::as_text(&format!("c.{}", D::ident(k))));
    }
    parts.push(D::string(": "));
    parts.push(format!(
        "COALESCE({}, {})",
        D::quote_value(value_sql),
        D::string("NULL")
    ));
    let sql = format!(
        "SELECT {} FROM {} c WHERE {filter} LIMIT 5",
        D::concat(&parts),
        D::table(&t.name)
    );
    Ok(session.texts(&sql).await?.into_iter().flatten().collect())
}
