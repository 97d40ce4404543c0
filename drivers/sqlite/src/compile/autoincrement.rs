//! A table's `AUTOINCREMENT` counter, which an `INSERT` makes or raises even of no row: the
//! restores and placeholders of every step keep it as it was read.

use strata_core::schema::Table;

/// `insert`, an `INSERT` into `t` of rows it held before (a restore), leaving `t`'s
/// `AUTOINCREMENT` counter as it is when the statement runs: SQLite makes or raises the
/// counter on any `INSERT`, even of no row, and a table that had no counter must not come
/// back with one (`0`). The counter is above every key the table ever held, so it needs no
/// raising for rows that were there.
pub(super) fn keeping_counter(t: &Table, insert: String) -> String {
    if !autoincrement(t) {
        return insert;
    }
    let name = crate::sql::string(&t.name.name);
    [
        "DROP TABLE IF EXISTS temp.strata_tmp_counter".to_owned(),
        format!(
            "CREATE TEMP TABLE strata_tmp_counter AS SELECT seq FROM main.sqlite_sequence WHERE name = {name}"
        ),
        insert,
        format!("DELETE FROM main.sqlite_sequence WHERE name = {name}"),
        format!(
            "INSERT INTO main.sqlite_sequence (name, seq) SELECT {name}, seq FROM temp.strata_tmp_counter"
        ),
        "DROP TABLE temp.strata_tmp_counter".to_owned(),
    ]
    .join(";\n")
}

/// The statements putting `t`'s `AUTOINCREMENT` counter back as it was read: an `INSERT`
/// into the table (a restore, a placeholder) makes or raises it, even with no row.
pub(super) fn counter_as_read(t: &Table) -> Vec<String> {
    if !autoincrement(t) {
        return Vec::new();
    }
    let name = crate::sql::string(&t.name.name);
    let mut out = vec![format!("DELETE FROM sqlite_sequence WHERE name = {name}")];
    if let Some(v) = t.sequences.iter().find_map(|s| s.last_value) {
        out.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ({name}, {v})"
        ));
    }
    out
}

/// Whether `t` is an `AUTOINCREMENT` table, as its text says.
pub(super) fn autoincrement(t: &Table) -> bool {
    t.definition
        .as_deref()
        .and_then(|d| crate::ddl::parse(d).ok())
        .is_some_and(|d| d.autoincrement())
}
