//! The engines under test: how to make a database, reach it with the engine's own client, fill
//! the benchmark table, and the hand procedures a DBA would run instead of strata.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// Every 50th age is not a number (20000 of 1M), every 5th email is NULL.
pub const MIGRATION: &str = r#"description = "users cleanup: legacy flags gone, age a number, email required"

[[step]]
op = "drop_column"
table = "users"
column = "legacy_flags"

[[step]]
op = "change_type"
table = "users"
column = "age"
to = "int32"
on_incompatible = "set_null"

[[step]]
op = "set_not_null"
table = "users"
column = "email"
fill = "unknown@example.invalid"
"#;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mariadb,
    Sqlite,
}

pub struct Engine {
    pub kind: Kind,
    pub label: &'static str,
}

pub const ENGINES: [Engine; 3] = [
    Engine {
        kind: Kind::Postgres,
        label: "PostgreSQL 15",
    },
    Engine {
        kind: Kind::Mariadb,
        label: "MariaDB 10.11",
    },
    Engine {
        kind: Kind::Sqlite,
        label: "SQLite (embedded)",
    },
];

impl Engine {
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Postgres => "postgres",
            Kind::Mariadb => "mysql",
            Kind::Sqlite => "sqlite",
        }
    }

    /// A new empty database; its URL.
    pub async fn create(&self) -> strata_core::Result<String> {
        match self.kind {
            Kind::Postgres => {
                strata_postgres::testing::create_database(&strata_postgres::testing::admin_url())
                    .await
            }
            Kind::Mariadb => {
                strata_mysql::testing::create_database(&strata_mysql::testing::admin_url()).await
            }
            Kind::Sqlite => {
                strata_sqlite::testing::create_database(&strata_sqlite::testing::admin_url()).await
            }
        }
    }

    pub async fn destroy(&self, url: &str) -> strata_core::Result<()> {
        match self.kind {
            Kind::Postgres => {
                strata_postgres::testing::drop_database(&strata_postgres::testing::admin_url(), url)
                    .await
            }
            Kind::Mariadb => {
                strata_mysql::testing::drop_database(&strata_mysql::testing::admin_url(), url).await
            }
            Kind::Sqlite => {
                strata_sqlite::testing::drop_database(&strata_sqlite::testing::admin_url(), url)
                    .await
            }
        }
    }

    /// The engine's own command-line client, reading SQL on stdin, for the database of `url`.
    fn client(&self, url: &str) -> Command {
        let parsed = url::Url::parse(url).expect("a database URL");
        match self.kind {
            Kind::Postgres => {
                let mut c = Command::new("psql");
                c.args(["-q", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]);
                c
            }
            Kind::Mariadb => {
                let mut c = Command::new("mariadb");
                c.args(["-N", "-B"])
                    .arg(format!("-h{}", parsed.host_str().unwrap_or("127.0.0.1")))
                    .arg(format!("-P{}", parsed.port().unwrap_or(3306)))
                    .arg(format!("-u{}", parsed.username()))
                    .arg(parsed.path().trim_start_matches('/'));
                c
            }
            Kind::Sqlite => {
                let mut c = Command::new("sqlite3");
                c.args(["-bail", parsed.path()]);
                c
            }
        }
    }

    /// Runs `sql` through the engine's client; how long it took and what it printed.
    pub fn run(&self, url: &str, sql: &str) -> anyhow::Result<(Duration, String)> {
        use std::io::Write as _;
        let started = Instant::now();
        let mut child = self
            .client(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("{} client", self.label))?;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(sql.as_bytes())?;
        let out = child.wait_with_output()?;
        let took = started.elapsed();
        if !out.status.success() {
            bail!(
                "{} client failed: {}\n{sql}",
                self.label,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok((took, String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// Before a timed apply: PostgreSQL writes out what the runs before left in its buffers
    /// (`CHECKPOINT`), so that no checkpoint falls in the middle of the one timed next; the
    /// others have no such statement for a client.
    pub fn settle(&self, url: &str) -> anyhow::Result<()> {
        if self.kind == Kind::Postgres {
            self.run(url, "CHECKPOINT;")?;
        }
        Ok(())
    }

    /// The benchmark table, built with the engine's own DDL, and `rows` rows.
    pub fn fixture(&self, rows: u64) -> String {
        let age = "CASE WHEN n % 50 = 0 THEN 'n/a' ELSE CONCAT('', n % 90) END";
        let email = "CASE WHEN n % 5 = 0 THEN NULL ELSE CONCAT('u', n, '@example.com') END";
        let select = format!("SELECT n, {email}, {age}, n % 3, CONCAT('user ', n)");
        match self.kind {
            Kind::Postgres => format!(
                "CREATE TABLE users (id bigint PRIMARY KEY, email text, age text, legacy_flags integer, name text);\n\
                 INSERT INTO users {select} FROM generate_series(1, {rows}) n;\nANALYZE users;\n"
            ),
            Kind::Mariadb => format!(
                "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255), age varchar(16), legacy_flags int, name varchar(255)) ENGINE=InnoDB;\n\
                 INSERT INTO users {select} FROM (SELECT seq AS n FROM seq_1_to_{rows}) s;\nANALYZE TABLE users;\n"
            ),
            Kind::Sqlite => format!(
                "PRAGMA journal_mode=WAL;\n\
                 CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age TEXT, legacy_flags INTEGER, name TEXT);\n\
                 WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows})\n\
                 INSERT INTO users SELECT n, {}, {}, n % 3, 'user ' || n FROM s;\n",
                "CASE WHEN n % 5 = 0 THEN NULL ELSE 'u' || n || '@example.com' END",
                "CASE WHEN n % 50 = 0 THEN 'n/a' ELSE '' || (n % 90) END"
            ),
        }
    }

    /// What a DBA counts before the change, in one scan: the values the drop destroys, the
    /// ages that are not numbers, the NULL emails.
    pub fn hand_plan(&self) -> &'static str {
        match self.kind {
            Kind::Postgres => "SELECT count(*) FILTER (WHERE legacy_flags IS NOT NULL), \
                 count(*) FILTER (WHERE age IS NOT NULL AND age !~ '^\\s*[+-]?[0-9]{1,9}\\s*$'), \
                 count(*) FILTER (WHERE email IS NULL) FROM users;",
            Kind::Mariadb => "SELECT SUM(legacy_flags IS NOT NULL), \
                 SUM(age IS NOT NULL AND age NOT REGEXP '^[[:space:]]*[+-]?[0-9]{1,9}[[:space:]]*$'), \
                 SUM(email IS NULL) FROM users;",
            Kind::Sqlite => "SELECT sum(legacy_flags IS NOT NULL), \
                 sum(age IS NOT NULL AND CAST(CAST(age AS INTEGER) AS TEXT) IS NOT trim(age)), \
                 sum(email IS NULL) FROM users;",
        }
    }

    /// The change by hand, in one transaction: a backup copy of what is destroyed, then the
    /// change as the engine does it fastest.
    pub fn hand_apply(&self) -> &'static str {
        match self.kind {
            Kind::Postgres => "BEGIN;\n\
                 LOCK TABLE users IN EXCLUSIVE MODE;\n\
                 CREATE TABLE users_backup AS SELECT id, legacy_flags, age, email FROM users;\n\
                 ALTER TABLE users DROP COLUMN legacy_flags;\n\
                 UPDATE users SET email = 'unknown@example.invalid' WHERE email IS NULL;\n\
                 ALTER TABLE users ALTER COLUMN age TYPE integer USING CASE WHEN age ~ '^\\s*[+-]?[0-9]{1,9}\\s*$' THEN age::integer END, \
                 ALTER COLUMN email SET NOT NULL;\n\
                 COMMIT;\n",
            Kind::Mariadb => "CREATE TABLE users_backup AS SELECT id, legacy_flags, age, email FROM users;\n\
                 UPDATE users SET email = 'unknown@example.invalid' WHERE email IS NULL;\n\
                 UPDATE users SET age = NULL WHERE age NOT REGEXP '^[[:space:]]*[+-]?[0-9]{1,9}[[:space:]]*$';\n\
                 ALTER TABLE users DROP COLUMN legacy_flags, MODIFY age int, MODIFY email varchar(255) NOT NULL;\n",
            Kind::Sqlite => "PRAGMA foreign_keys = OFF;\n\
                 BEGIN;\n\
                 CREATE TABLE users_backup AS SELECT id, legacy_flags, age, email FROM users;\n\
                 CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER, name TEXT);\n\
                 INSERT INTO users_new SELECT id, coalesce(email, 'unknown@example.invalid'), \
                 CASE WHEN CAST(CAST(age AS INTEGER) AS TEXT) IS trim(age) THEN CAST(age AS INTEGER) END, name FROM users;\n\
                 DROP TABLE users;\n\
                 ALTER TABLE users_new RENAME TO users;\n\
                 PRAGMA foreign_key_check;\n\
                 COMMIT;\n",
        }
    }
}
