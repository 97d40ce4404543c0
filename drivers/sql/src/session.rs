//! The driver's one session: statements on one connection, within the answer timeout, with
//! errors that quote the statement.

use std::marker::PhantomData;
use std::time::Duration;

use sqlx::Row as _;
use strata_core::timeouts;
use strata_core::{Error, QualifiedName, Result};
use tokio::sync::{Mutex, MutexGuard};

use crate::dialect::{Conn, DbRow, Dialect};

/// One connection, used for everything the runner does: transactions, the runner lock and
/// temporary objects all belong to it.
pub struct Session<D: Dialect> {
    conn: Mutex<Conn<D>>,
    answer: Option<Duration>,
    /// Whether a transaction [`Session::begin`] opened is open.
    in_transaction: std::sync::atomic::AtomicBool,
    /// The database, as messages name it (no credentials).
    pub database: String,
    /// What else the engine's session keeps.
    pub state: D::State,
    dialect: PhantomData<D>,
}

impl<D: Dialect> Session<D> {
    /// A session on `conn`, set up as the driver needs, to `database`; `answer` bounds how
    /// long strata waits for a statement's answer (see
    /// [`strata_core::timeouts::Timeouts::answer`]).
    pub fn new(conn: Conn<D>, answer: Option<Duration>, database: String, state: D::State) -> Self {
        Session {
            conn: Mutex::new(conn),
            answer,
            in_transaction: std::sync::atomic::AtomicBool::new(false),
            database,
            state,
            dialect: PhantomData,
        }
    }

    /// The connection, for queries with bound parameters.
    pub async fn conn(&self) -> MutexGuard<'_, Conn<D>> {
        self.conn.lock().await
    }

    /// Opens a transaction (the dialect's `BEGIN`).
    pub async fn begin(&self) -> Result<()> {
        self.execute(D::BEGIN).await?;
        self.set_in_transaction(true);
        Ok(())
    }

    /// Commits the open transaction.
    pub async fn commit(&self) -> Result<()> {
        let done = self.execute("COMMIT").await;
        self.set_in_transaction(false);
        done.map(drop)
    }

    /// Rolls the open transaction back.
    pub async fn rollback(&self) -> Result<()> {
        let done = self.execute("ROLLBACK").await;
        self.set_in_transaction(false);
        done.map(drop)
    }

    /// Whether a transaction [`Session::begin`] opened is open.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    fn set_in_transaction(&self, open: bool) {
        self.in_transaction
            .store(open, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs SQL text (one or several statements); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        self.execute_as(sql, sql).await
    }

    /// Runs `sql`, which wraps the statement `shown` (in a savepoint, say): errors quote
    /// `shown`.
    pub async fn execute_as(&self, sql: &str, shown: &str) -> Result<u64> {
        let mut conn = self.conn.lock().await;
        let answered =
            timeouts::answer(D::ENGINE, &doing("executing", shown), self.answer, async {
                Ok(D::execute(&mut conn, sql).await)
            })
            .await?;
        match answered {
            Ok(rows) => Ok(rows),
            Err(e) => {
                D::after_failure(&mut conn, sql).await;
                Err(db_error::<D>("executing", shown, e))
            }
        }
    }

    /// Every row of a query, within the answer timeout.
    async fn fetch_all(&self, sql: &str) -> Result<Vec<DbRow<D>>> {
        let mut conn = self.conn.lock().await;
        timeouts::answer(D::ENGINE, &doing("querying", sql), self.answer, async {
            D::fetch_all(&mut conn, sql)
                .await
                .map_err(|e| db_error::<D>("querying", sql, e))
        })
        .await
    }

    /// Runs a query whose last row is one row of counts.
    pub async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        let rows = self.fetch_all(sql).await?;
        let Some(row) = rows.last() else {
            return Err(Error::Verification(format!("`{sql}` returned no row")));
        };
        (0..row.len()).map(|i| D::count(row, i, sql)).collect()
    }

    /// Runs a query whose first column of its last row is a count.
    pub async fn count(&self, sql: &str) -> Result<i64> {
        Ok(self.counts(sql).await?.first().copied().unwrap_or(0))
    }

    /// Runs a query; returns every row, every column as text (NULL as `None`).
    pub async fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self.fetch_all(sql).await?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| D::text(r, i).map_err(|e| db_error::<D>("reading", sql, e)))
                    .collect()
            })
            .collect()
    }

    /// Runs a query; returns the first column of each row as text.
    pub async fn texts(&self, sql: &str) -> Result<Vec<Option<String>>> {
        Ok(self
            .rows(sql)
            .await?
            .into_iter()
            .map(|r| r.into_iter().next().flatten())
            .collect())
    }
}

#[async_trait::async_trait]
impl<D: Dialect> strata_core::counter::CountSource for Session<D> {
    fn quote_table(&self, name: &QualifiedName) -> String {
        D::table(name)
    }

    async fn counts(&self, sql: &str) -> Result<Vec<i64>> {
        Session::counts(self, sql).await
    }
}

/// What strata was doing, quoting the start of the statement (160 characters).
pub(crate) fn doing(what: &str, sql: &str) -> String {
    let mut head: String = sql.chars().take(160).collect();
    if head.len() < sql.len() {
        head.push('…');
    }
    format!("{what} `{head}`")
}

/// A database error that quotes the start of the statement it came from, with what the server
/// adds to it.
pub fn db_error<D: Dialect>(doing_what: &str, sql: &str, e: sqlx::Error) -> Error {
    let detail = D::error_detail(&e).map_or_else(String::new, |d| format!(" ({d})"));
    Error::database(D::ENGINE, format!("{}{detail}", doing(doing_what, sql)), e)
}
