//! Command-line arguments (DESIGN §4).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// strata: one migration file, every engine — checked, backed up, applied, verified, reversible.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, propagate_version = true)]
pub struct Cli {
    /// Engine: a registered driver name (see `strata drivers`); defaults to the URL's scheme.
    #[arg(long, global = true)]
    pub engine: Option<String>,
    /// Database URL; falls back to DATABASE_URL, then strata.toml, then the embedded SQLite file.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub url: Option<String>,
    /// Directory of migration files [migrations, or strata.toml's `migrations`].
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    /// Machine-readable JSON output (status, plan, verify, drivers).
    #[arg(long, global = true)]
    pub json: bool,
    /// Load an out-of-tree driver from this dynamic library (repeatable); STRATA_PLUGIN_PATH
    /// lists more (files or directories, separated as in PATH).
    #[arg(long = "plugin", global = true, value_name = "LIBRARY")]
    pub plugins: Vec<PathBuf>,
    /// Seconds to wait for another runner's lock, 0 to fail at once [strata.toml `lock_timeout`,
    /// else 60].
    #[arg(long, global = true)]
    pub lock_timeout: Option<u64>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Applied, pending, partial, drifted and missing migrations.
    Status,
    /// Changes summary, impact assessment (live counts) and the actions of every pending step.
    Plan {
        /// Plan up to this version.
        #[arg(long)]
        to: Option<u64>,
    },
    /// Apply pending migrations (and complete interrupted ones).
    Apply {
        /// Apply up to this version.
        #[arg(long)]
        to: Option<u64>,
        /// Check and print everything, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
        /// Run even a migration that destroys data no backup keeps (a drop with
        /// `backup = false`, a `sql` step without `down`).
        #[arg(long)]
        allow_data_loss: bool,
        /// Also write every backup the migrations take to DIR as JSON Lines, with a manifest
        /// per migration (DIR/<version>_<name>/manifest.json).
        #[arg(long, value_name = "DIR")]
        backup_dir: Option<PathBuf>,
    },
    /// Undo applied migrations, newest first, restoring data from strata's backups.
    Rollback {
        /// Undo the last N migrations [1].
        #[arg(long, conflicts_with = "to")]
        steps: Option<usize>,
        /// Undo every migration above this version.
        #[arg(long)]
        to: Option<u64>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// Post-migration validation: history, backups, indexes and constraints.
    Verify,
    /// Registered drivers and their capabilities.
    Drivers,
    /// The migration guide for the pending migrations, as Markdown, from the live database.
    Guide {
        /// Write it to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Long-running statements, lock chains (who waits for whom) and table sizes.
    Monitor {
        /// Refresh every SECS seconds until interrupted (JSON: one document per line).
        #[arg(long, value_name = "SECS")]
        watch: Option<u64>,
    },
    /// Put the rows of a file backup (`apply --backup-dir`) into this database, any engine.
    Restore {
        /// The backup's folder (DIR/<version>_<name>) or its manifest.json.
        #[arg(long, value_name = "PATH")]
        from: PathBuf,
        /// Only the backup (or source table) of this name.
        #[arg(long)]
        table: Option<String>,
    },
    /// The in-database backups strata keeps (`strata_bak_*`).
    Backups {
        /// What to do with them.
        #[command(subcommand)]
        action: BackupsCommand,
    },
    /// Create a new migration file.
    New {
        /// Its name (letters, digits, underscores).
        name: String,
        /// File format.
        #[arg(long, default_value = "toml", value_parser = ["toml", "yaml", "json"])]
        format: String,
    },
}

/// `strata backups …`.
#[derive(Debug, Subcommand)]
pub enum BackupsCommand {
    /// Every backup: its migration, when that was applied, rows and size.
    List,
    /// Drop the backups of migrations applied more than DAYS days ago. Their rollback can no
    /// longer restore what they destroyed.
    Drop {
        /// Age in days.
        #[arg(long, value_name = "DAYS")]
        older_than: u64,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}
