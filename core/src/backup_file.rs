//! File backups: `apply --backup-dir DIR` writes every in-database backup a migration took as
//! JSON Lines, with a manifest; `strata restore --from DIR/<migration>` puts the rows back into
//! a database of any engine, and checks their portable fingerprint against the manifest's.
//!
//! Layout: `DIR/<version>_<name>/manifest.json` and one `<backup object>.jsonl` per backup,
//! one row per line, each value in strata's portable form (`{"t": "int", "v": 42}`), so that
//! a row read back is exactly the row written — whatever engine wrote it or reads it.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::ActionKind;
use crate::driver::{Driver, DriverExt, RowAccessExt, StepContext};
use crate::error::{Error, Result};
use crate::migration::{parse_str, Format};
use crate::plan::MigrationPlan;
use crate::schema::ConstraintKind;
use crate::steps::ColumnSpec;
use crate::value::{portable_fingerprint, Fingerprint, Row};
use crate::QualifiedName;

/// The manifest format this strata writes and reads.
pub const FORMAT: u32 = 1;

/// The manifest of one migration's backups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The migration's version.
    pub migration_version: u64,
    /// Its name.
    pub migration_name: String,
    /// The engine the backups were read from.
    pub engine: String,
    /// When they were written.
    pub written_at: DateTime<Utc>,
    /// One entry per backup.
    pub backups: Vec<ManifestEntry>,
}

/// One backup in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The in-database backup object it copies (`strata_bak_3_users_age`).
    pub backup: String,
    /// The table the backup was taken from.
    pub table: String,
    /// What the backup holds: `every row` of a dropped table, or some columns or rows.
    pub whole_table: bool,
    /// Its columns, with portable types, so any engine can re-create it.
    pub columns: Vec<ColumnSpec>,
    /// How many rows.
    pub rows: u64,
    /// The portable fingerprint of the rows.
    pub fingerprint: String,
    /// The JSON Lines file, relative to the manifest.
    pub file: String,
}

impl ManifestEntry {
    /// The table `restore` writes into: the source table for a whole-table backup, else a
    /// table named like the backup.
    pub fn restore_as(&self) -> String {
        if self.whole_table {
            self.table.clone()
        } else {
            self.backup.clone()
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes the backups `plan` took (they must exist in the database: after the migration has
/// applied) to `dir`; returns the manifest's path.
pub async fn export(driver: &dyn Driver, plan: &MigrationPlan, dir: &Path) -> Result<PathBuf> {
    let folder = dir.join(format!("{}_{}", plan.version, plan.name));
    std::fs::create_dir_all(&folder).map_err(io(&folder))?;
    let snapshot = driver.inspect().await?;
    let mut backups = Vec::new();
    for step in &plan.steps {
        for action in step.actions.iter().filter(|a| a.kind == ActionKind::Backup) {
            let Some(object) = &action.backup_object else {
                continue;
            };
            if backups.iter().any(|b: &ManifestEntry| &b.backup == object) {
                continue;
            }
            let name = QualifiedName::new(object.clone());
            let table = snapshot.tables.get(object).ok_or_else(|| {
                Error::Verification(format!(
                    "backup {object} of migration {} is not in the database",
                    plan.version
                ))
            })?;
            let primary: Vec<String> = table
                .constraints
                .iter()
                .filter(|c| c.kind == ConstraintKind::PrimaryKey)
                .flat_map(|c| c.columns.clone())
                .collect();
            let rows = driver
                .rows_for("writing a file backup")?
                .read_rows(&name)
                .await?;
            let columns = table
                .columns
                .iter()
                .map(|c| {
                    // A column that holds only NULLs (a MongoDB backup of the keys of documents
                    // whose field was null: the sample gives it no type) is carried as text.
                    let only_nulls = rows
                        .iter()
                        .all(|r| matches!(r.get(&c.name), None | Some(crate::Value::Null)));
                    let ty = c
                        .portable
                        .or(only_nulls.then_some(crate::PortableType::Text))
                        .ok_or_else(|| {
                            Error::Verification(format!(
                                "column {}.{} has the type {}, which has no portable equivalent",
                                object, c.name, c.native_type
                            ))
                        })?;
                    Ok(ColumnSpec {
                        name: c.name.clone(),
                        ty,
                        nullable: c.nullable || only_nulls,
                        default: None,
                        primary_key: primary.contains(&c.name),
                        unique: false,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let fingerprint = portable_fingerprint(&rows);
            let file = format!("{object}.jsonl");
            let path = folder.join(&file);
            let mut out = BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
            for row in &rows {
                serde_json::to_writer(&mut out, row)
                    .map_err(|e| io(&path)(std::io::Error::other(e)))?;
                out.write_all(b"\n").map_err(io(&path))?;
            }
            out.flush().map_err(io(&path))?;
            backups.push(ManifestEntry {
                backup: object.clone(),
                table: step
                    .table
                    .as_ref()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                whole_table: step.op == "drop_table",
                columns,
                rows: fingerprint.rows,
                fingerprint: fingerprint.digest,
                file,
            });
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        migration_version: plan.version,
        migration_name: plan.name.clone(),
        engine: driver.name().to_owned(),
        written_at: Utc::now(),
        backups,
    };
    let path = folder.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).expect("a manifest serializes");
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(path)
}

/// Reads a manifest: `from` is the manifest file or the folder holding it.
pub fn read_manifest(from: &Path) -> Result<(PathBuf, Manifest)> {
    let path = if from.is_dir() {
        from.join("manifest.json")
    } else {
        from.to_owned()
    };
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::File {
        file: path.display().to_string(),
        message: format!("not a strata backup manifest: {e}"),
    })?;
    if manifest.format != FORMAT {
        return Err(Error::File {
            file: path.display().to_string(),
            message: format!(
                "manifest format {} (this strata reads format {FORMAT})",
                manifest.format
            ),
        });
    }
    Ok((path, manifest))
}

/// Reads one backup's rows and checks them against the manifest's count and fingerprint.
pub fn read_rows(manifest_path: &Path, entry: &ManifestEntry) -> Result<Vec<Row>> {
    let path = manifest_path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&entry.file);
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    let mut rows = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io(&path))?;
        if line.trim().is_empty() {
            continue;
        }
        rows.push(serde_json::from_str::<Row>(&line).map_err(|e| Error::File {
            file: path.display().to_string(),
            message: format!("line {}: {e}", i + 1),
        })?);
    }
    let found = portable_fingerprint(&rows);
    if found.rows != entry.rows || found.digest != entry.fingerprint {
        return Err(Error::Verification(format!(
            "{} does not match its manifest: {} rows, fingerprint {} (manifest: {} rows, {})",
            path.display(),
            found.rows,
            found.digest,
            entry.rows,
            entry.fingerprint
        )));
    }
    Ok(rows)
}

/// What `restore` did with one backup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Restored {
    /// The backup.
    pub backup: String,
    /// The table written.
    pub table: String,
    /// Whether strata created it.
    pub created: bool,
    /// Rows written.
    pub rows: u64,
    /// The fingerprint of the table after the restore, equal to the manifest's.
    pub fingerprint: Fingerprint,
}

/// Restores the backups of the manifest at `from` (all, or the one named `only`) into
/// `driver`'s database: each into [`ManifestEntry::restore_as`], created from the manifest's
/// columns when it does not exist. A table that exists and holds rows is never written to.
/// After writing, the table's portable fingerprint must equal the manifest's.
pub async fn restore(
    driver: &dyn Driver,
    from: &Path,
    only: Option<&str>,
) -> Result<Vec<Restored>> {
    let (manifest_path, manifest) = read_manifest(from)?;
    let entries: Vec<&ManifestEntry> = manifest
        .backups
        .iter()
        .filter(|e| only.is_none_or(|o| o == e.backup || o == e.table))
        .collect();
    if entries.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no backup {}(it holds: {})",
            manifest_path.display(),
            only.map(|o| format!("named {o} ")).unwrap_or_default(),
            manifest
                .backups
                .iter()
                .map(|e| e.backup.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Every file is checked against the manifest, and every target table, before anything
    // is written.
    let snapshot = driver.inspect().await?;
    let mut work = Vec::with_capacity(entries.len());
    for entry in entries {
        let rows = read_rows(&manifest_path, entry)?;
        let target = QualifiedName::new(entry.restore_as());
        let exists = match snapshot.tables.get(&target.to_string()) {
            Some(t) if t.rows > 0 => {
                return Err(Error::refused(crate::Refusal::exists(
                    &target,
                    format!(
                        "table {target} exists and holds {} rows: strata restores only into a new or empty table",
                        t.rows
                    ),
                )))
            }
            Some(_) => true,
            None => false,
        };
        work.push((entry, rows, target, exists));
    }
    let mut done = Vec::new();
    for (entry, rows, target, exists) in work {
        let created = !exists;
        if created {
            create_table(driver, &target, &entry.columns, &snapshot).await?;
        }
        let access = driver.rows_for("restoring a file backup")?;
        access.write_rows(&target, &rows).await?;
        let fingerprint = access.fingerprint(&target).await?;
        if fingerprint.rows != entry.rows || fingerprint.digest != entry.fingerprint {
            return Err(Error::Verification(format!(
                "{target} after the restore: {} rows, fingerprint {} (the backup: {} rows, {})",
                fingerprint.rows, fingerprint.digest, entry.rows, entry.fingerprint
            )));
        }
        done.push(Restored {
            backup: entry.backup.clone(),
            table: target.to_string(),
            created,
            rows: entry.rows,
            fingerprint,
        });
    }
    Ok(done)
}

/// Creates `table` with `columns` through the driver's own `create_table` step.
async fn create_table(
    driver: &dyn Driver,
    table: &QualifiedName,
    columns: &[ColumnSpec],
    snapshot: &crate::schema::Snapshot,
) -> Result<()> {
    let text = serde_json::json!({
        "description": "strata restore",
        "step": [{ "op": "create_table", "table": table.to_string(), "columns": columns }],
    })
    .to_string();
    let migration = parse_str("(restore)", &text, Format::Json, 0, "restore")?;
    let step = &migration.steps[0];
    let actions = driver.compile(StepContext {
        migration: &migration,
        step,
        snapshot,
    })?;
    for a in actions {
        if a.kind.is_query() {
            let n = driver.query_count(&a.forward).await?;
            if n != a.expect {
                return Err(Error::Verification(format!(
                    "creating {table}: {} returned {n}, expected {}",
                    a.description, a.expect
                )));
            }
        } else {
            driver.execute(&a.forward).await?;
        }
    }
    Ok(())
}
