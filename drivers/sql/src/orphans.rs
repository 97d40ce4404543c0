//! What the SQL engines share in handling the orphans of a new foreign key (`orphans =
//! "delete" | "set_null" | "placeholder"`): the actions, as every engine describes them, over
//! the dialect's own statements, and the queries whose text is the same everywhere. Each
//! driver backs up first, as its engine allows, and says how the action is undone: by an
//! inverse statement, or by restoring the backup.

use strata_core::schema::Table;
use strata_core::steps::AddForeignKey;
use strata_core::{Action, ActionKind, Statement};

use crate::Dialect;

/// How an orphan action is undone: an inverse statement, or the backup's restore (which the
/// backup action carries).
pub enum Undo {
    /// The statement that undoes it.
    Inverse(String),
    /// Restored from the backup taken before it.
    Backup,
}

fn undone(action: Action, undo: Undo) -> Action {
    match undo {
        Undo::Inverse(sql) => action.with_inverse(Statement::Sql(sql)),
        Undo::Backup => action.restored_by_backup(),
    }
}

/// What the backup of the orphan rows of `child` holds (`orphans = "delete"`).
pub fn deleted_rows(child: &Table) -> String {
    format!("the orphan rows of {}", child.name)
}

/// What the backup of the keys of the orphan rows of `child` holds (`orphans = "set_null"`).
pub fn nulled_keys(child: &Table) -> String {
    format!("the keys of the orphan rows of {}", child.name)
}

/// What the backup of the keys missing from `parent` holds (`orphans = "placeholder"`).
pub fn missing_keys(parent: &Table) -> String {
    format!("the missing keys of {}", parent.name)
}

/// `DELETE` of the orphan rows of `child` (`delete_sql`), destructive.
pub fn delete(step: usize, child: &Table, delete_sql: String, undo: Undo) -> Action {
    let action = Action::new(
        step,
        ActionKind::Dml,
        format!("delete the orphan rows of {}", child.name),
        Statement::Sql(delete_sql),
    );
    undone(action, undo).destructive()
}

/// `UPDATE` of the orphan rows of `child` that sets their keys to NULL (`update_sql`),
/// destructive.
pub fn set_null(step: usize, child: &Table, update_sql: String, undo: Undo) -> Action {
    let action = Action::new(
        step,
        ActionKind::Dml,
        format!("set the keys of the orphan rows of {} to NULL", child.name),
        Statement::Sql(update_sql),
    );
    undone(action, undo).destructive()
}

/// `INSERT` of the placeholder rows of `parent` for the missing keys (`insert_sql`).
pub fn placeholders(step: usize, parent: &Table, insert_sql: String, undo: Undo) -> Action {
    let action = Action::new(
        step,
        ActionKind::Dml,
        format!("insert placeholder rows into {}", parent.name),
        Statement::Sql(insert_sql),
    );
    undone(action, undo)
}

/// `a = NULL, b = NULL` over the key columns of `s`, each prefixed by `prefix` (`c.` or
/// nothing).
pub fn nulls<D: Dialect>(s: &AddForeignKey, prefix: &str) -> String {
    let set: Vec<String> = s
        .columns
        .iter()
        .map(|c| format!("{prefix}{} = NULL", D::ident(c)))
        .collect();
    set.join(", ")
}

/// `a = b.a, …` over the key columns of `s`, each target prefixed by `prefix`: the keys put
/// back from the backup aliased `b`.
pub fn restored_keys<D: Dialect>(s: &AddForeignKey, prefix: &str) -> String {
    let set: Vec<String> = s
        .columns
        .iter()
        .map(|c| format!("{prefix}{q} = b.{q}", q = D::ident(c)))
        .collect();
    set.join(", ")
}

/// The distinct keys of the orphan rows of `child` (aliased `c`, selected by `filter`),
/// named as the parent's columns: what the placeholders insert.
pub fn select_missing_keys<D: Dialect>(s: &AddForeignKey, child: &Table, filter: &str) -> String {
    let aliased: Vec<String> = s
        .columns
        .iter()
        .zip(&s.references.columns)
        .map(|(c, p)| format!("c.{} AS {}", D::ident(c), D::ident(p)))
        .collect();
    format!(
        "SELECT DISTINCT {} FROM {} c WHERE {filter}",
        aliased.join(", "),
        D::table(&child.name)
    )
}

/// The column lists of the placeholder insert into `parent`: target columns, and what they
/// take, the backup's columns (see `AddForeignKey::placeholder_columns`) and NULL for the
/// parent's other foreign keys (`AddForeignKey::placeholder_nulls`).
pub fn placeholder_lists<D: Dialect>(s: &AddForeignKey, parent: &Table) -> (String, String) {
    let cols = s.placeholder_columns();
    let nulls = s.placeholder_nulls(parent);
    let targets: Vec<String> = cols
        .iter()
        .map(|(t, _)| t)
        .chain(&nulls)
        .map(|c| D::ident(c))
        .collect();
    let sources: Vec<String> = cols
        .iter()
        .map(|(_, b)| D::ident(b))
        .chain(nulls.iter().map(|_| "NULL".to_owned()))
        .collect();
    (targets.join(", "), sources.join(", "))
}

/// The check, before the key is added with `orphans = "fail"`, that no row of `child`
/// (aliased `c`) is an orphan: `filter` selects them.
pub fn none_check<D: Dialect>(step: usize, child: &Table, parent: &Table, filter: &str) -> Action {
    Action::check(
        step,
        ActionKind::Check,
        format!("no orphan rows in {}", child.name),
        Statement::Sql(format!(
            "SELECT {} FROM {} c WHERE {filter}",
            D::COUNT,
            D::table(&child.name)
        )),
        0,
        format!(
            "rows of {} reference no row of {} (orphans = \"fail\")",
            child.name, parent.name
        ),
    )
}

/// The drop of foreign key `old`, which the new key replaces (`replace = "old"`): `drop_sql`,
/// undone by `add_sql`.
pub fn drop_replaced(step: usize, old: &str, drop_sql: String, add_sql: String) -> Action {
    Action::new(
        step,
        ActionKind::Ddl,
        format!("drop foreign key {old} (replaced)"),
        Statement::Sql(drop_sql),
    )
    .with_inverse(Statement::Sql(add_sql))
}
