//! Rows in the portable value model on any SQL engine: every row of a table read in key order,
//! rows written in batched `INSERT`s. The dialect says how a column reads back as text and how
//! a value is written ([`RowCodec`]); the rest is here, and so are the [`RowAccess`] and
//! [`HistoryStore`] of a driver that is a [`SqlDriver`] ([`sql_driver_traits!`]).
//!
//! [`RowAccess`]: strata_core::RowAccess
//! [`HistoryStore`]: strata_core::HistoryStore
//! [`sql_driver_traits!`]: crate::sql_driver_traits

use strata_core::schema::{Column, Table};
use strata_core::{Error, Inspect, PortableType, QualifiedName, Refusal, Result, Row, Value};

use crate::dialect::Dialect;
use crate::session::Session;

/// How rows of an engine read back and are written.
pub trait RowCodec: Dialect {
    /// Rows per `INSERT`.
    const INSERT_BATCH: usize = 500;

    /// The select-list expressions that read column `c` back as text cells.
    fn select_expr(c: &Column) -> String;

    /// The query that reads every row of `t`; `order` is its `ORDER BY` clause (empty when
    /// `t` has no key). By default the columns' [`select_expr`](Self::select_expr)s.
    fn select_rows(t: &Table, order: &str) -> String {
        let exprs: Vec<String> = t.columns.iter().map(Self::select_expr).collect();
        format!(
            "SELECT {} FROM {}{order}",
            exprs.join(", "),
            Self::table(&t.name)
        )
    }

    /// A row from the text cells the query returns.
    fn decode_row(t: &Table, cells: Vec<Option<String>>) -> Result<Row>;

    /// `v` as a literal for column `c`.
    fn literal(c: &Column, v: &Value) -> String;

    /// What goes between the column list and `VALUES` when writing rows of `t` (PostgreSQL:
    /// `OVERRIDING SYSTEM VALUE` for an identity column).
    fn insert_modifier(t: &Table) -> &'static str {
        let _ = t;
        ""
    }
}

/// Every row of `t`, in key order.
pub async fn read<D: RowCodec>(session: &Session<D>, t: &Table) -> Result<Vec<Row>> {
    let order = if t.primary_key.is_empty() {
        String::new()
    } else {
        let key: Vec<String> = t.primary_key.iter().map(|c| D::ident(c)).collect();
        format!(" ORDER BY {}", key.join(", "))
    };
    session
        .rows(&D::select_rows(t, &order))
        .await?
        .into_iter()
        .map(|cells| D::decode_row(t, cells))
        .collect()
}

/// Inserts `rows` into the table `name`, whose definition is `t`; the rows written.
pub async fn write<D: RowCodec>(
    session: &Session<D>,
    t: &Table,
    name: &QualifiedName,
    rows: &[Row],
) -> Result<u64> {
    let mut written = 0;
    for chunk in rows.chunks(D::INSERT_BATCH) {
        let Some(first) = chunk.first() else { continue };
        let columns: Vec<&Column> = first
            .keys()
            .map(|c| {
                t.column(c).ok_or_else(|| {
                    Error::refused(Refusal::missing(
                        format!("{name}.{c}"),
                        format!("table {name} has no column \"{c}\""),
                    ))
                })
            })
            .collect::<Result<_>>()?;
        let tuples: Vec<String> = chunk
            .iter()
            .map(|r| {
                let values: Vec<String> = columns
                    .iter()
                    .map(|c| D::literal(c, r.get(&c.name).unwrap_or(&Value::Null)))
                    .collect();
                format!("({})", values.join(", "))
            })
            .collect();
        let names: Vec<String> = columns.iter().map(|c| D::ident(&c.name)).collect();
        written += session
            .execute(&format!(
                "INSERT INTO {} ({}){} VALUES {}",
                D::table(name),
                names.join(", "),
                D::insert_modifier(t),
                tuples.join(", ")
            ))
            .await?;
    }
    Ok(written)
}

/// The definition of the table `name`, as the engine reports it now.
pub async fn table(inspect: &(impl Inspect + ?Sized), name: &QualifiedName) -> Result<Table> {
    inspect
        .inspect()
        .await?
        .tables
        .remove(&name.to_string())
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(|| {
            Error::refused(Refusal::missing(
                name,
                format!("table \"{name}\" does not exist"),
            ))
        })
}

/// A driver built on the shared layer: its one session.
pub trait SqlDriver: Inspect {
    /// The engine's dialect.
    type Dialect: RowCodec;

    /// The session everything runs on.
    fn session(&self) -> &Session<Self::Dialect>;
}

/// Implements [`HistoryStore`](strata_core::HistoryStore),
/// [`RowAccess`](strata_core::RowAccess) and [`Driver`](strata_core::Driver) (rows and server
/// operations both present; the driver writes its `ServerOps`) for a [`SqlDriver`] from the
/// shared layer: the history
/// table through [`crate::history`], rows through [`read`] and [`write`], counts in one query
/// each ([`strata_core::counter::count_where`]).
#[macro_export]
macro_rules! sql_driver_traits {
    ($driver:ty) => {
        impl $crate::strata_core::Driver for $driver {
            fn rows(&self) -> ::std::option::Option<&dyn $crate::strata_core::RowAccess> {
                ::std::option::Option::Some(self)
            }

            fn server(&self) -> ::std::option::Option<&dyn $crate::strata_core::driver::ServerOps> {
                ::std::option::Option::Some(self)
            }
        }

        #[$crate::async_trait::async_trait]
        impl $crate::strata_core::HistoryStore for $driver {
            async fn ensure_history(&self) -> $crate::strata_core::Result<()> {
                $crate::history::ensure($crate::rows::SqlDriver::session(self)).await
            }

            async fn history(
                &self,
            ) -> $crate::strata_core::Result<::std::vec::Vec<$crate::strata_core::HistoryRecord>>
            {
                $crate::history::read($crate::rows::SqlDriver::session(self)).await
            }

            async fn record(
                &self,
                record: &$crate::strata_core::HistoryRecord,
            ) -> $crate::strata_core::Result<()> {
                $crate::history::write($crate::rows::SqlDriver::session(self), record).await
            }
        }

        #[$crate::async_trait::async_trait]
        impl $crate::strata_core::RowAccess for $driver {
            async fn read_rows(
                &self,
                table: &$crate::strata_core::QualifiedName,
            ) -> $crate::strata_core::Result<::std::vec::Vec<$crate::strata_core::Row>> {
                let t = $crate::rows::table(self, table).await?;
                $crate::rows::read($crate::rows::SqlDriver::session(self), &t).await
            }

            async fn write_rows(
                &self,
                table: &$crate::strata_core::QualifiedName,
                rows: &[$crate::strata_core::Row],
            ) -> $crate::strata_core::Result<u64> {
                let t = $crate::rows::table(self, table).await?;
                $crate::rows::write($crate::rows::SqlDriver::session(self), &t, table, rows).await
            }

            async fn count_rows(
                &self,
                table: &$crate::strata_core::QualifiedName,
            ) -> $crate::strata_core::Result<u64> {
                $crate::strata_core::counter::count_where(
                    $crate::rows::SqlDriver::session(self),
                    table,
                    None,
                )
                .await
            }

            async fn count_nulls(
                &self,
                table: &$crate::strata_core::QualifiedName,
                column: &str,
            ) -> $crate::strata_core::Result<u64> {
                let filter = ::std::format!(
                    "c.{} IS NULL",
                    <<$driver as $crate::rows::SqlDriver>::Dialect as $crate::Dialect>::ident(
                        column
                    )
                );
                $crate::strata_core::counter::count_where(
                    $crate::rows::SqlDriver::session(self),
                    table,
                    Some(&filter),
                )
                .await
            }
        }
    };
}

/// The portable value of a column's `text` as the engine renders it (`0`/`1` booleans,
/// numbers, JSON text), bytes through `bytes`; text that does not parse stays text.
pub fn text_value(c: &Column, text: String, bytes: impl FnOnce(String) -> Vec<u8>) -> Value {
    match c.portable {
        Some(PortableType::Bool) => Value::Bool(text != "0"),
        Some(t) if t.is_integer() => text.parse().map(Value::Int).unwrap_or(Value::Text(text)),
        Some(PortableType::Float32 | PortableType::Float64) => {
            text.parse().map(Value::Float).unwrap_or(Value::Text(text))
        }
        Some(PortableType::Json) => serde_json::from_str(&text)
            .map(Value::Json)
            .unwrap_or(Value::Text(text)),
        Some(PortableType::Bytes) => Value::Bytes(bytes(text)),
        _ => Value::Text(text),
    }
}

/// The bytes of hexadecimal `text` (`HEX(…)`'s output).
pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}
