//! # strata-sql
//!
//! What the PostgreSQL, MySQL and SQLite drivers share, written once over sqlx: the one
//! [`Session`] a driver runs everything on (statements within the answer timeout, counts, text
//! rows, errors that quote the statement), the [`history`] table, [`rows`] in the portable value
//! model (and the `HistoryStore` and `RowAccess` of a driver, [`sql_driver_traits!`]), its
//! `Engine` ([`sql_engine!`]), and test
//! databases ([`provision`]). Each driver supplies its [`Dialect`] (and [`RowCodec`]) — its SQL
//! text and what its engine does differently — and keeps the rest of its code for what only its
//! engine needs.
#![forbid(unsafe_code)]

pub mod actions;
pub mod analyses;
pub mod conflicts;
mod dialect;
pub mod engine;
mod findings;
pub mod history;
pub mod orphans;
pub mod provision;
pub mod rows;
pub mod server;
mod session;
pub mod text;

pub use conflicts::{conflict_checks, refuse_conflicts, WriteChecks};
pub use dialect::{Conn, DbRow, Dialect, HistorySql};
pub use findings::{
    dropped_values_finding, duplicates_finding, examples, incompatible_finding, nulls_finding,
    orphans_finding,
};
pub use rows::{RowCodec, SqlDriver};
pub use session::{db_error, Session};

#[doc(hidden)]
pub use {async_trait, strata_core};
