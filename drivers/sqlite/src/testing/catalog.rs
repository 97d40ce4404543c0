//! Everything SQLite reports about a database's schema and rows, read over a plain connection
//! of its own, so tests compare what the engine has, not what strata's inspection models: the
//! exact `sqlite_master` text of every table, index, view and trigger, the `AUTOINCREMENT`
//! counters in `sqlite_sequence`, `user_version`, and per table its row count and an
//! order-independent digest of its rows (`quote` of every column, so a value's storage class
//! counts). A `rowid` that no `INTEGER PRIMARY KEY` names is left out: SQLite itself renumbers
//! those on `VACUUM` (<https://www.sqlite.org/lang_vacuum.html>), so no one can rely on them.
//!
//! strata's history table is left out; anything else strata leaves behind shows. This file
//! uses nothing of the driver, so the plugin's tests include it as it is.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};

/// Object (`table users`) → what the engine says of it.
pub type Catalog = BTreeMap<String, String>;

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads the catalog of the database at `url`.
pub async fn read(url: &str) -> Result<Catalog, sqlx::Error> {
    let mut conn = SqliteConnection::connect(url).await?;
    let mut out = Catalog::new();
    let master = sqlx::query(
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master
         WHERE tbl_name NOT IN ('strata_migrations', 'sqlite_sequence')",
    )
    .fetch_all(&mut conn)
    .await?;
    let mut tables = Vec::new();
    for r in &master {
        let (kind, name, sql): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        if kind == "table" {
            tables.push(name.clone());
        }
        out.insert(format!("{kind} {name}"), sql);
    }
    let has_sequence: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            .fetch_one(&mut conn)
            .await?;
    if has_sequence > 0 {
        for r in sqlx::query(
            "SELECT name, CAST(seq AS TEXT) FROM sqlite_sequence WHERE name <> 'strata_migrations'",
        )
        .fetch_all(&mut conn)
        .await?
        {
            out.insert(format!("sequence {}", r.get::<String, _>(0)), r.get(1));
        }
    }
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await?;
    out.insert("pragma user_version".into(), version.to_string());
    for t in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_xinfo(?) ORDER BY cid")
                .bind(&t)
                .fetch_all(&mut conn)
                .await?;
        let values: Vec<String> = columns
            .iter()
            .map(|c| format!("quote({})", ident(c)))
            .collect();
        let mut rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT {} FROM {}",
            values.join(" || ',' || "),
            ident(&t)
        ))
        .fetch_all(&mut conn)
        .await?;
        rows.sort();
        let mut h = DefaultHasher::new();
        rows.hash(&mut h);
        out.insert(
            format!("rows {t}"),
            format!("{} rows {:016x}", rows.len(), h.finish()),
        );
    }
    conn.close().await?;
    Ok(out)
}
