//! The done and undone probes of MySQL's actions: counts in `information_schema` that say
//! whether a table, column, index or constraint is there, so an interrupted run resumes
//! without doing or undoing anything twice (DDL commits implicitly on MySQL).

use crate::sql::string;

pub(super) fn catalog(table: &str, filter: &str) -> String {
    format!("FROM information_schema.{table} WHERE TABLE_SCHEMA = DATABASE() AND {filter}")
}

/// 1 when the table exists.
pub(super) fn table_exists(name: &str) -> String {
    format!(
        "SELECT COUNT(*) {}",
        catalog("TABLES", &format!("TABLE_NAME = {}", string(name)))
    )
}

/// 1 when the table does not exist.
pub(super) fn table_absent(name: &str) -> String {
    format!(
        "SELECT 1 - COUNT(*) {}",
        catalog("TABLES", &format!("TABLE_NAME = {}", string(name)))
    )
}

pub(super) fn column_filter(table: &str, column: &str) -> String {
    catalog(
        "COLUMNS",
        &format!(
            "TABLE_NAME = {} AND COLUMN_NAME = {}",
            string(table),
            string(column)
        ),
    )
}

/// 1 when the column exists.
pub(super) fn column_exists(table: &str, column: &str) -> String {
    format!("SELECT COUNT(*) {}", column_filter(table, column))
}

/// 1 when the column does not exist.
pub(super) fn column_absent(table: &str, column: &str) -> String {
    format!("SELECT 1 - COUNT(*) {}", column_filter(table, column))
}

/// 1 when the column's nullability is `nullable`.
pub(super) fn column_nullable_is(table: &str, column: &str, nullable: bool) -> String {
    format!(
        "SELECT COUNT(*) {} AND IS_NULLABLE = {}",
        column_filter(table, column),
        string(if nullable { "YES" } else { "NO" })
    )
}

pub(super) fn index_filter(table: &str, index: &str) -> String {
    catalog(
        "STATISTICS",
        &format!(
            "TABLE_NAME = {} AND INDEX_NAME = {}",
            string(table),
            string(index)
        ),
    )
}

/// 1 when the index exists.
pub(super) fn index_exists(table: &str, index: &str) -> String {
    format!("SELECT LEAST(COUNT(*), 1) {}", index_filter(table, index))
}

/// 1 when the index does not exist.
pub(super) fn index_absent(table: &str, index: &str) -> String {
    format!(
        "SELECT 1 - LEAST(COUNT(*), 1) {}",
        index_filter(table, index)
    )
}

pub(super) fn constraint_filter(table: &str, name: &str) -> String {
    catalog(
        "TABLE_CONSTRAINTS",
        &format!(
            "TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
            string(table),
            string(name)
        ),
    )
    .replace("TABLE_SCHEMA", "CONSTRAINT_SCHEMA")
}

/// 1 when the constraint exists.
pub(super) fn constraint_exists(table: &str, name: &str) -> String {
    format!("SELECT COUNT(*) {}", constraint_filter(table, name))
}

/// 1 when the constraint does not exist.
pub(super) fn constraint_absent(table: &str, name: &str) -> String {
    format!("SELECT 1 - COUNT(*) {}", constraint_filter(table, name))
}
