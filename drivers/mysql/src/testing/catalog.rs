//! Everything MySQL or MariaDB reports about a database's schema and rows, read over a plain
//! connection of its own, so tests compare what the engine has, not what strata's inspection
//! models: `SHOW CREATE TABLE` of every table (columns in order, every index including those
//! the server made for foreign keys, `AUTO_INCREMENT`, comments), `SHOW CREATE VIEW`, every
//! trigger and routine, table and column grants, and per table its row count and an
//! order-independent digest of its rows (`QUOTE` of every column, in column order).
//!
//! strata's history table is left out; anything else strata leaves behind shows.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::{Connection, Executor, Row};

/// Object (`table users`) → what the engine says of it.
pub type Catalog = BTreeMap<String, String>;

fn text(row: &MySqlRow, i: usize) -> String {
    row.try_get_unchecked::<Option<String>, _>(i)
        .ok()
        .flatten()
        .or_else(|| {
            row.try_get_unchecked::<Option<Vec<u8>>, _>(i)
                .ok()
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        })
        .unwrap_or_default()
}

fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

async fn pairs(
    conn: &mut MySqlConnection,
    sql: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    Ok(conn
        .fetch_all(sql)
        .await?
        .iter()
        .map(|r| (text(r, 0), text(r, 1)))
        .collect())
}

/// Reads the catalog of the database at `url`.
pub async fn read(url: &str) -> Result<Catalog, sqlx::Error> {
    let url = url.replacen("mariadb://", "mysql://", 1);
    let mut conn = MySqlConnection::connect(&url).await?;
    let mut out = Catalog::new();
    let objects = pairs(
        &mut conn,
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'strata_migrations'",
    )
    .await?;
    for (name, kind) in &objects {
        if kind == "VIEW" {
            let row = conn
                .fetch_one(format!("SHOW CREATE VIEW {}", ident(name)).as_str())
                .await?;
            out.insert(format!("view {name}"), text(&row, 1));
            continue;
        }
        let row = conn
            .fetch_one(format!("SHOW CREATE TABLE {}", ident(name)).as_str())
            .await?;
        out.insert(format!("table {name}"), sorted_keys(&text(&row, 1)));
        let columns: Vec<String> = pairs(
            &mut conn,
            &format!(
                "SELECT COLUMN_NAME, '' FROM information_schema.COLUMNS
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{}' ORDER BY ORDINAL_POSITION",
                name.replace('\'', "''")
            ),
        )
        .await?
        .into_iter()
        .map(|(c, _)| format!("QUOTE({})", ident(&c)))
        .collect();
        let mut hashes: Vec<String> = conn
            .fetch_all(
                format!(
                    "SELECT MD5(CONCAT_WS(',', {})) FROM {}",
                    columns.join(", "),
                    ident(name)
                )
                .as_str(),
            )
            .await?
            .iter()
            .map(|r| text(r, 0))
            .collect();
        hashes.sort();
        let mut h = DefaultHasher::new();
        hashes.hash(&mut h);
        out.insert(
            format!("rows {name}"),
            format!("{} rows {:016x}", hashes.len(), h.finish()),
        );
    }
    for (key, value) in pairs(
        &mut conn,
        "SELECT CONCAT('trigger ', EVENT_OBJECT_TABLE, '.', TRIGGER_NAME),
                CONCAT_WS(' ', ACTION_TIMING, EVENT_MANIPULATION, 'order', ACTION_ORDER,
                          'definer', DEFINER, 'sql_mode', SQL_MODE, ACTION_STATEMENT)
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
    )
    .await?
    .into_iter()
    .chain(
        pairs(
            &mut conn,
            "SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME),
                    CONCAT_WS(' ', DTD_IDENTIFIER, 'definer', DEFINER, SECURITY_TYPE,
                              'sql_mode', SQL_MODE, ROUTINE_DEFINITION)
             FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        )
        .await?,
    )
    .chain(
        pairs(
            &mut conn,
            "SELECT CONCAT('grant ', TABLE_NAME, ' ', GRANTEE),
                    GROUP_CONCAT(CONCAT(PRIVILEGE_TYPE, IF(IS_GRANTABLE = 'YES', '+', ''))
                                 ORDER BY PRIVILEGE_TYPE)
             FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()
             GROUP BY TABLE_NAME, GRANTEE",
        )
        .await?,
    )
    .chain(
        pairs(
            &mut conn,
            "SELECT CONCAT('grant ', TABLE_NAME, '.', COLUMN_NAME, ' ', GRANTEE),
                    GROUP_CONCAT(CONCAT(PRIVILEGE_TYPE, IF(IS_GRANTABLE = 'YES', '+', ''))
                                 ORDER BY PRIVILEGE_TYPE)
             FROM information_schema.COLUMN_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()
             GROUP BY TABLE_NAME, COLUMN_NAME, GRANTEE",
        )
        .await?,
    ) {
        out.insert(key, value);
    }
    conn.close().await?;
    Ok(out)
}

/// `SHOW CREATE TABLE` text with its index lines (`KEY`, `UNIQUE KEY`, …) in name order, each
/// with a trailing comma (the last line before the constraints or the closing parenthesis
/// otherwise differs by one).
fn sorted_keys(create: &str) -> String {
    let is_key = |l: &str| {
        let t = l.trim_start();
        ["KEY ", "UNIQUE KEY ", "FULLTEXT KEY ", "SPATIAL KEY "]
            .iter()
            .any(|p| t.starts_with(p))
    };
    let mut keys: Vec<String> = create
        .lines()
        .filter(|l| is_key(l))
        .map(|l| format!("{},", l.trim_end_matches(',')))
        .collect();
    keys.sort();
    let mut keys = keys.into_iter();
    create
        .lines()
        .map(|l| {
            if is_key(l) {
                keys.next().unwrap_or_default()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
