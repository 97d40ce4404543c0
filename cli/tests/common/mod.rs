//! Helpers for the CLI tests: a fresh PostgreSQL database with the conformance fixture, a
//! migrations directory, and the real `strata` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use strata_conformance::scenarios::{setup, ACCEPTANCE, SETUP};
use strata_conformance::{State, TestContext};

/// The real `strata` binary with `args`, with none of the caller's `DATABASE_URL`,
/// `STRATA_PLUGIN_PATH` or `FAILPOINTS`.
pub fn strata_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("STRATA_PLUGIN_PATH")
        .env_remove("FAILPOINTS")
        .args(args);
    cmd
}

/// Runs `strata ARGS…` with `env` added.
pub fn strata(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Output {
    let mut cmd = strata_command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running strata")
}

/// The engines the CLI tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
    Mongodb,
    Sqlite,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Mongodb => "mongodb",
            Engine::Sqlite => "sqlite",
        }
    }

    pub async fn create_database(self) -> anyhow::Result<String> {
        Ok(match self {
            Engine::Postgres => {
                strata_postgres::testing::create_database(&strata_postgres::testing::admin_url())
                    .await?
            }
            Engine::Mysql => {
                strata_mysql::testing::create_database(&strata_mysql::testing::admin_url()).await?
            }
            Engine::Mongodb => {
                strata_mongodb::testing::create_database(&strata_mongodb::testing::admin_url())
                    .await?
            }
            Engine::Sqlite => {
                strata_sqlite::testing::create_database(&strata_sqlite::testing::admin_url())
                    .await?
            }
        })
    }

    pub async fn drop_database(self, url: &str) -> anyhow::Result<()> {
        match self {
            Engine::Postgres => {
                strata_postgres::testing::drop_database(&strata_postgres::testing::admin_url(), url)
                    .await?
            }
            Engine::Mysql => {
                strata_mysql::testing::drop_database(&strata_mysql::testing::admin_url(), url)
                    .await?
            }
            Engine::Mongodb => {
                strata_mongodb::testing::drop_database(&strata_mongodb::testing::admin_url(), url)
                    .await?
            }
            Engine::Sqlite => {
                strata_sqlite::testing::drop_database(&strata_sqlite::testing::admin_url(), url)
                    .await?
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl strata_conformance::Provision for Engine {
    async fn create(&self) -> anyhow::Result<String> {
        self.create_database().await
    }

    async fn destroy(&self, url: &str) -> anyhow::Result<()> {
        self.drop_database(url).await
    }

    async fn catalog(&self, url: &str) -> anyhow::Result<strata_conformance::Catalog> {
        Ok(match self {
            Engine::Postgres => strata_postgres::testing::catalog(url).await?,
            Engine::Mysql => strata_mysql::testing::catalog(url).await?,
            Engine::Mongodb => strata_mongodb::testing::catalog(url).await?,
            Engine::Sqlite => strata_sqlite::testing::catalog(url).await?,
        })
    }
}

pub struct Project {
    pub engine: Engine,
    pub url: String,
    pub dir: PathBuf,
    pub ctx: TestContext,
}

impl Project {
    /// [`Project::acceptance_on`] PostgreSQL.
    pub async fn acceptance() -> anyhow::Result<Project> {
        Self::acceptance_on(Engine::Postgres).await
    }

    /// A fresh database holding the fixture (migration 1 applied, rows inserted) and a
    /// migrations directory with the fixture and the acceptance migration.
    pub async fn acceptance_on(engine: Engine) -> anyhow::Result<Project> {
        let url = engine.create_database().await?;
        let ctx =
            TestContext::provisioned(engine.name(), &url, std::sync::Arc::new(engine)).await?;
        setup(&ctx).await?;
        let dir = std::env::temp_dir().join(format!(
            "strata-cli-{}",
            url.rsplit('/').next().unwrap_or("x")
        ));
        std::fs::create_dir_all(dir.join("migrations"))?;
        std::fs::write(dir.join("migrations/0001_fixture.toml"), SETUP)?;
        std::fs::write(dir.join("migrations/0002_users_cleanup.toml"), ACCEPTANCE)?;
        Ok(Project {
            engine,
            url,
            dir,
            ctx,
        })
    }

    pub fn migration(&self, file: &str) -> PathBuf {
        self.dir.join("migrations").join(file)
    }

    /// `strata --url URL ARGS…` in the project directory, with `env` added.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        self.command_on(&self.url, args, env)
    }

    /// `strata --url url ARGS…` in the project directory, with `env` added.
    pub fn command_on(&self, url: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = strata_command(&[&["--url", url][..], args].concat());
        cmd.current_dir(&self.dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args, &[]).output().expect("running strata")
    }

    pub async fn state(&self) -> anyhow::Result<State> {
        self.ctx.capture().await
    }

    pub async fn finish(self) -> anyhow::Result<()> {
        let Project {
            engine,
            url,
            dir,
            ctx,
        } = self;
        drop(ctx);
        let _ = std::fs::remove_dir_all(dir);
        engine.drop_database(&url).await
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// A running `strata` whose stderr lines are collected as they come.
pub struct Running {
    pub child: std::process::Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        use std::io::BufRead;
        let mut child = cmd
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawning strata");
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().expect("lines").push(line);
            }
        });
        Running { child, lines }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }

    /// Waits until `pred` holds for the lines so far, or the process exits; true if it held.
    pub fn wait_for(&mut self, pred: impl Fn(&[String]) -> bool) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if pred(&self.lines()) {
                return true;
            }
            if self.child.try_wait().expect("try_wait").is_some() {
                std::thread::sleep(std::time::Duration::from_millis(50));
                return pred(&self.lines());
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("strata did not get there in 60 s: {:?}", self.lines());
    }

    /// SIGKILL (if still running); returns whether it had exited by itself, and its code.
    pub fn kill(mut self) -> (bool, Option<i32>) {
        let exited = self.child.try_wait().expect("try_wait");
        if exited.is_none() {
            self.child.kill().expect("SIGKILL");
        }
        let status = self.child.wait().expect("wait");
        (exited.is_some(), status.code())
    }

    pub fn wait(mut self) -> (i32, Vec<String>) {
        let status = self.child.wait().expect("wait");
        std::thread::sleep(std::time::Duration::from_millis(50));
        (status.code().unwrap_or(-1), self.lines())
    }
}
