//! A SQL engine as the shared layer needs it: its sqlx database, quoting, how it runs text and
//! reads a cell, and the text of its history table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use strata_core::{Capabilities, PortableType, QualifiedName, Result};

use crate::Session;

/// The connection type of a dialect's sqlx database.
pub type Conn<D> = <<D as Dialect>::Db as sqlx::Database>::Connection;

/// The row type of a dialect's sqlx database.
pub type DbRow<D> = <<D as Dialect>::Db as sqlx::Database>::Row;

/// What a SQL engine does its own way. The operations on a connection are the dialect's so
/// that each runs on its concrete sqlx types; everything built on them is shared.
#[async_trait]
pub trait Dialect: HistorySql + Send + Sync + Sized + 'static {
    /// The sqlx database.
    type Db: sqlx::Database;

    /// What else the engine's session keeps (MySQL: the server's flavor and version; SQLite:
    /// the database file and its lock).
    type State: Send + Sync + 'static;

    /// The driver's registered name, for errors.
    const ENGINE: &'static str;

    /// What the engine can do.
    const CAPABILITIES: Capabilities;

    /// The expression that counts the rows of a query, as a 64-bit integer.
    const COUNT: &'static str = "COUNT(*)";

    /// The statement that opens a transaction on the session.
    const BEGIN: &'static str = "BEGIN";

    /// The native type a portable type maps to (`int64` → `bigint`).
    fn native_type(ty: PortableType) -> String;

    /// The server's version string.
    async fn server_version(session: &Session<Self>) -> Result<String>;

    /// Runs one statement of a migration on the session; the rows it affected. A dialect whose
    /// server may refuse a statement as compiled, and take it otherwise, says so here (MySQL
    /// runs an `ALTER` the server will not run online with a lock).
    async fn run(session: &Session<Self>, sql: &str) -> Result<u64> {
        session.execute(sql).await
    }

    /// A quoted identifier.
    fn ident(name: &str) -> String;

    /// A quoted, possibly schema-qualified, table name.
    fn table(name: &QualifiedName) -> String {
        match &name.schema {
            Some(schema) => format!("{}.{}", Self::ident(schema), Self::ident(&name.name)),
            None => Self::ident(&name.name),
        }
    }

    /// Quoted identifiers, comma-separated.
    fn idents<S: AsRef<str>>(names: &[S]) -> String
    where
        Self: Sized,
    {
        let quoted: Vec<String> = names.iter().map(|n| Self::ident(n.as_ref())).collect();
        quoted.join(", ")
    }

    /// `left.k1 = right.k1 AND left.k2 = right.k2` over the quoted `columns`.
    fn join_on(left: &str, right: &str, columns: &[String]) -> String
    where
        Self: Sized,
    {
        let equal: Vec<String> = columns
            .iter()
            .map(|c| format!("{left}.{q} = {right}.{q}", q = Self::ident(c)))
            .collect();
        equal.join(" AND ")
    }

    /// A string literal: quotes doubled (every dialect's session makes backslashes literal).
    fn string(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// The text of `parts` (SQL expressions) joined end to end.
    fn concat(parts: &[String]) -> String {
        parts.join(" || ")
    }

    /// `expr` as text, where the engine does not convert it by itself.
    fn as_text(expr: &str) -> String {
        expr.to_owned()
    }

    /// The value of `expr` written as the engine writes a literal (`'it''s'`, `42`); NULL for
    /// NULL.
    fn quote_value(expr: &str) -> String;

    /// Runs SQL text (one or several statements); the rows affected.
    async fn execute(conn: &mut Conn<Self>, sql: &str) -> std::result::Result<u64, sqlx::Error>;

    /// Every row SQL text returns.
    async fn fetch_all(
        conn: &mut Conn<Self>,
        sql: &str,
    ) -> std::result::Result<Vec<DbRow<Self>>, sqlx::Error>;

    /// Cell `i` of a row as text (`None` for NULL), whatever its type.
    fn text(row: &DbRow<Self>, i: usize) -> std::result::Result<Option<String>, sqlx::Error>;

    /// Cell `i` of a row of counts (NULL counts 0); `sql` is the query, for errors.
    fn count(row: &DbRow<Self>, i: usize, sql: &str) -> Result<i64>;

    /// What the server adds to an error beyond its message (PostgreSQL's `DETAIL`).
    fn error_detail(e: &sqlx::Error) -> Option<String> {
        let _ = e;
        None
    }

    /// Puts the session right after `sql` failed on it (MySQL: a failed `LOCK TABLES` list
    /// leaves its locks held).
    async fn after_failure(conn: &mut Conn<Self>, sql: &str) {
        let _ = (conn, sql);
    }
}

/// The text of a dialect's `strata_migrations` table (DESIGN §3). Every column is read back as
/// text, so one reader serves every engine.
pub trait HistorySql {
    /// `CREATE TABLE IF NOT EXISTS` of the table, named by `table`.
    fn create(table: &str) -> String;

    /// A query whose count is above zero when the table, whose name as a string literal is
    /// `name`, exists.
    fn exists(name: &str) -> String;

    /// The select-list expression that reads column `column` as text: `started_at` and
    /// `finished_at` in a form [`parse_timestamp`](crate::history::parse_timestamp) reads,
    /// `journal` as its JSON text.
    fn read_column(column: &str) -> String;

    /// The clause after `INSERT INTO … (…) VALUES (…)` that replaces the row of a version
    /// already recorded, for `columns` (every column but `version`).
    fn upsert(columns: &[&str]) -> String;

    /// A timestamp as a literal of the column's type.
    fn timestamp(t: DateTime<Utc>) -> String;

    /// The journal's JSON text as a literal of the column's type.
    fn json(text: &str) -> String;
}
