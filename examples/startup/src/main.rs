//! A small application that migrates its database when it starts, before it serves anything:
//! the migrations are compiled into the binary by `strata::embed!`, checked at build time, and
//! applied with strata's pre-flight checks, backups, runner lock and history — several
//! instances starting at once apply each migration exactly once.
//!
//! ```sh
//! cargo run -p strata-example-startup                      # sqlite://notes.db?mode=rwc
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/notes cargo run -p strata-example-startup
//! ```
//!
//! The database is the first argument, else `DATABASE_URL`, else `notes.db` beside it.

use std::process::ExitCode;

/// Applies what is pending; returns the versions applied.
async fn migrate(database_url: &str) -> strata::Result<Vec<u64>> {
    let report = strata::embed!("migrations")
        .on_progress(|line| eprintln!("migrate: {line}"))
        .apply(database_url)
        .await?;
    Ok(report.applied)
}

#[tokio::main]
async fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .unwrap_or_else(|| "sqlite://notes.db?mode=rwc".to_owned());
    match migrate(&url).await {
        Ok(applied) if applied.is_empty() => eprintln!("the database is up to date"),
        Ok(applied) => eprintln!("applied migrations {applied:?}"),
        Err(e) => {
            eprintln!("cannot migrate the database: {e}");
            // The causes: the server's own message, the statement that failed.
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                eprintln!("    caused by: {c}");
                cause = c.source();
            }
            return ExitCode::from(e.exit_code().clamp(1, 255) as u8);
        }
    }
    // … the application would serve from here.
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn it_migrates_once() {
        let dir = std::env::temp_dir().join(format!("strata-startup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("notes.db").display());
        assert_eq!(super::migrate(&url).await.unwrap(), [1, 2]);
        assert_eq!(super::migrate(&url).await.unwrap(), Vec::<u64>::new());
    }
}
