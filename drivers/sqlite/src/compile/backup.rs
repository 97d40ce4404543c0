//! Backups of what a step destroys, verified before it is destroyed, and the expressions that
//! read the backed-up values back by key during a rollback.

use strata_core::schema::Table;
use strata_core::{Action, ActionKind, QualifiedName, Result, Statement, StepContext};

use crate::connection::Session;
use crate::sql::{ident, idents, join_on, table as qtable};

/// A backup of `select` into `backup`, verified: the two sets of rows equal, and their counts.
/// A backup of a keyed selection (`select_keyed`) is indexed on `key`: rollback reads it row
/// by row by key, which without the index is a scan of the backup per row (quadratic).
pub fn backup(
    ctx: &StepContext<'_>,
    backup: &QualifiedName,
    select: &str,
    what: &str,
    key: &[String],
) -> Vec<Action> {
    let step = ctx.step.index;
    let bak = qtable(backup);
    let mut create = format!("CREATE TABLE {bak} AS {select}");
    if !key.is_empty() {
        let index = strata_core::steps::fit_identifier(&format!("{}_key", backup.name));
        create.push_str(&format!(
            "; CREATE INDEX {} ON {bak} ({})",
            ident(&index),
            idents(key)
        ));
    }
    vec![
        Action::new(step, ActionKind::Backup, format!("back up {what} to {backup}"), Statement::Sql(create))
            .with_inverse(Statement::Sql(format!("DROP TABLE IF EXISTS {bak}")))
            .creates_backup(backup.to_string()),
        Action::check(
            step,
            ActionKind::Verify,
            format!("verify backup {backup} (rows and content)"),
            Statement::Sql(format!(
                "SELECT (SELECT COUNT(*) FROM (SELECT * FROM ({select}) EXCEPT SELECT * FROM {bak})) \
                 + (SELECT COUNT(*) FROM (SELECT * FROM {bak} EXCEPT SELECT * FROM ({select}))) \
                 + abs((SELECT COUNT(*) FROM ({select})) - (SELECT COUNT(*) FROM {bak}))"
            )),
            0,
            format!("the backup {backup} does not match {what}"),
        ),
    ]
}

/// `SELECT pk…, extra… FROM t c [WHERE …]`.
pub fn select_keyed(t: &Table, extra: &[String], filter: Option<&str>) -> String {
    let mut cols: Vec<String> = t.primary_key.clone();
    cols.extend(extra.iter().filter(|c| !t.primary_key.contains(c)).cloned());
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    format!(
        "SELECT {} FROM {} c{filter}",
        cols.iter()
            .map(|c| format!("c.{}", ident(c)))
            .collect::<Vec<_>>()
            .join(", "),
        qtable(&t.name)
    )
}

/// The value of `column` for the old row, from the backup `bak` keyed by the primary key.
pub fn from_backup(t: &Table, bak: &QualifiedName, column: &str) -> String {
    let on: Vec<String> = t
        .primary_key
        .iter()
        .map(|k| format!("b.{q} = strata_row.{q}", q = ident(k)))
        .collect();
    format!(
        "(SELECT b.{} FROM {} b WHERE {})",
        ident(column),
        qtable(bak),
        on.join(" AND ")
    )
}

/// Whether the old row has a backup row.
pub fn in_backup(t: &Table, bak: &QualifiedName) -> String {
    let on: Vec<String> = t
        .primary_key
        .iter()
        .map(|k| format!("b.{q} = strata_row.{q}", q = ident(k)))
        .collect();
    format!(
        "EXISTS (SELECT 1 FROM {} b WHERE {})",
        qtable(bak),
        on.join(" AND ")
    )
}

/// Up to five `key: value` examples of rows matching `filter` (aliased `c`).
pub async fn examples(
    session: &Session,
    t: &Table,
    value_sql: &str,
    filter: &str,
) -> Result<Vec<String>> {
    let key = if t.primary_key.is_empty() {
        "'row'".to_owned()
    } else {
        t.primary_key
            .iter()
            .map(|k| format!("{} || '=' || c.{}", crate::sql::string(k), ident(k)))
            .collect::<Vec<_>>()
            .join(" || ', ' || ")
    };
    let sql = format!("SELECT {key} || ': ' || coalesce(quote({value_sql}), 'NULL') FROM {} c WHERE {filter} LIMIT 5", qtable(&t.name));
    Ok(session
        .rows(&sql)
        .await?
        .into_iter()
        .filter_map(|mut r| r.swap_remove(0))
        .collect())
}

pub fn pk_join(t: &Table) -> String {
    join_on(&qtable(&t.name), "b", &t.primary_key)
}

pub fn keys_of(t: &Table) -> String {
    idents(&t.primary_key)
}
