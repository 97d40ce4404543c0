//! Objects that depend on a column: views, views on those views, materialized views, rules,
//! row-level security policies and triggers — found through `pg_depend` ([`walk`]), read in
//! full ([`read`]) and turned into the statements that drop them and re-create them exactly
//! ([`objects`], [`acl`]).
//!
//! PostgreSQL refuses `ALTER COLUMN … TYPE` while a view, rule, policy or trigger names the
//! column; `change_type` drops them (dependents first), changes the type and re-creates them
//! in the same transaction. Everything is read with an empty `search_path`, so the server
//! prints every name schema-qualified and the statements mean the same in any session — the
//! one rolling back included.

pub mod acl;
pub mod objects;
mod read;
pub mod walk;

use sqlx::postgres::PgConnection;
use sqlx::Row;
use strata_core::schema::Table;
use strata_core::{Error, Result};

use crate::connection::Session;
use crate::NAME;
pub use objects::Object;

fn err(what: &str) -> impl Fn(sqlx::Error) -> Error + '_ {
    move |e| Error::database(NAME, format!("reading {what} from the catalog"), e)
}

/// What depends on one column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependents {
    /// Every object found, named for messages (`view public.v2 (through view public.v1)`),
    /// those that cannot be carried included.
    pub names: Vec<String>,
    /// The objects to drop and re-create, in the order they are re-created; empty when only
    /// the names were read.
    pub objects: Vec<Object>,
    /// What cannot be dropped and re-created, each with why
    /// (`function public.f() (its SQL-standard body uses it: …)`).
    pub blocked: Vec<String>,
}

impl Dependents {
    /// Drops every object, dependents first.
    pub fn drop_sql(&self) -> String {
        let drops: Vec<String> = self.objects.iter().rev().map(Object::drop).collect();
        drops.join(";\n")
    }

    /// Re-creates every object as it was read, each after what it depends on.
    pub fn create_sql(&self) -> String {
        let creates: Vec<String> = self.objects.iter().flat_map(Object::create).collect();
        creates.join(";\n")
    }

    /// The objects, for an action's description: `view public.v1, materialized view
    /// public.mv (with index mv_n)`.
    pub fn describe(&self) -> String {
        let named: Vec<String> = self
            .objects
            .iter()
            .map(|o| match o.parts() {
                parts if parts.is_empty() => o.label().to_owned(),
                parts => format!("{} (with {})", o.label(), parts.join(", ")),
            })
            .collect();
        named.join(", ")
    }
}

/// `(relation, attnum)` of `column` in `table` and in every table inheriting from it (an
/// `ALTER TABLE` on the parent changes them too); empty when the table is not live yet.
const START: &str = "
WITH RECURSIVE tree(rel) AS (
  SELECT to_regclass($1)::oid
  UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.rel)
SELECT a.attrelid::bigint, a.attnum::int
FROM tree JOIN pg_attribute a ON a.attrelid = tree.rel
WHERE a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1";

/// Everything that depends on `table.column`, with the definitions needed to re-create it.
pub async fn of_column(session: &Session, table: &Table, column: &str) -> Result<Dependents> {
    read_column(session, table, column, true).await
}

/// Everything that depends on `table.column`, by name only.
pub async fn names_of_column(
    session: &Session,
    table: &Table,
    column: &str,
) -> Result<Vec<String>> {
    Ok(read_column(session, table, column, false).await?.names)
}

async fn read_column(
    session: &Session,
    table: &Table,
    column: &str,
    definitions: bool,
) -> Result<Dependents> {
    let mut conn = session.conn().await;
    let start: Vec<(i64, i32)> = sqlx::query(START)
        .bind(crate::sql::table(&table.name))
        .bind(column)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("the column"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    if start.is_empty() {
        return Ok(Dependents::default());
    }
    let path: String = sqlx::query_scalar("SELECT current_setting('search_path')")
        .fetch_one(&mut *conn)
        .await
        .map_err(err("the search path"))?;
    set_search_path(&mut conn, "").await?;
    let found = walk_and_read(&mut conn, &start, definitions).await;
    // Put the session's path back whatever happened: later statements resolve names by it.
    let restored = set_search_path(&mut conn, &path).await;
    let found = found?;
    restored?;
    Ok(found)
}

async fn walk_and_read(
    conn: &mut PgConnection,
    start: &[(i64, i32)],
    definitions: bool,
) -> Result<Dependents> {
    let graph = walk::walk(conn, start).await?;
    let mut blocked = graph.blocked.clone();
    let objects = if definitions && !graph.is_empty() {
        read::definitions(conn, &graph, &mut blocked).await?
    } else {
        Vec::new()
    };
    let mut names = graph.names();
    for b in &blocked {
        if !names.contains(&b.label) {
            names.push(b.label.clone());
        }
    }
    Ok(Dependents {
        names,
        objects,
        blocked: blocked.iter().map(ToString::to_string).collect(),
    })
}

async fn set_search_path(conn: &mut PgConnection, path: &str) -> Result<()> {
    sqlx::query("SELECT set_config('search_path', $1, false)")
        .bind(path)
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(|e| Error::database(NAME, "setting the search path", e))
}
