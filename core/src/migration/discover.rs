//! Finding migration files in a directory.

use std::path::Path;

use super::{parse_file, Migration};
use crate::error::{Error, Result};

/// The largest version: the history keeps versions as signed 64-bit integers.
pub const MAX_VERSION: u64 = i64::MAX as u64;

/// The version (leading integer) and name of a migration file name such as `0003_x.toml`;
/// `None` when it does not start with a digit.
pub fn version_of(file_name: &str) -> Option<(u64, String)> {
    parse_version(file_name).ok().flatten()
}

/// The version and name of a migration file name: `Ok(None)` when the name does not start
/// with a digit, an error (naming what is wrong) when it starts with one but is no version:
/// `0x10_a.toml`, `1.5_a.toml`, a version above [`MAX_VERSION`].
pub fn parse_version(file_name: &str) -> std::result::Result<Option<(u64, String)>, String> {
    let stem = file_name.split_once('.').map_or(file_name, |(s, _)| s);
    let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    let after = &file_name[digits.len()..];
    let name = match after.strip_prefix('_') {
        Some(rest) => rest.split_once('.').map_or(rest, |(n, _)| n),
        None if after.starts_with('.') && after[1..].find('.').is_none() => "",
        None => {
            return Err(format!(
                "the version must be digits followed by `_` and the name (as in 0001_create_users.toml), not {:?}",
                &file_name[..file_name.len().min(digits.len() + 3)]
            ))
        }
    };
    match digits.parse::<u64>() {
        Ok(v) if v <= MAX_VERSION => Ok(Some((v, name.to_owned()))),
        _ => Err(format!(
            "version {digits} is above the largest version, {MAX_VERSION}"
        )),
    }
}

/// What a directory entry with a migration extension is, when it is no file strata can read.
fn not_a_file(path: &Path) -> Option<&'static str> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        return match std::fs::metadata(path) {
            Err(_) => Some("a symbolic link to nothing"),
            Ok(target) if target.is_file() => None,
            Ok(_) => Some("a symbolic link to something that is not a file"),
        };
    }
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a directory")
    } else {
        Some("not a regular file (a FIFO, socket or device)")
    }
}

/// Reads and parses every migration file (`.toml`, `.yaml`, `.yml`, `.json`, in any letter
/// case) in `dir`, sorted by version. Other files are ignored. Two files with one version are
/// an error, and so are a migration file whose name does not start with its version and an
/// entry with a migration extension that is no readable file (a dangling link, a FIFO, a
/// directory): nothing is skipped without a word.
pub fn discover(dir: &Path) -> Result<Vec<Migration>> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut migrations: Vec<Migration> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if super::parse::Format::from_path(&path).is_none() {
            continue;
        }
        if let Some(what) = not_a_file(&path) {
            return Err(Error::File {
                file: path.display().to_string(),
                message: format!("is {what}: a migration must be a regular file (move it out of the migrations directory)"),
            });
        }
        migrations.push(parse_file(&path)?);
    }
    migrations.sort_by_key(|m| m.version);
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(Error::File {
                file: pair[1].file.clone(),
                message: format!(
                    "version {} is also used by {}",
                    pair[1].version, pair[0].file
                ),
            });
        }
    }
    Ok(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_leading_integer() {
        assert_eq!(
            version_of("0003_users_cleanup.toml"),
            Some((3, "users_cleanup".into()))
        );
        assert_eq!(version_of("12.yaml"), Some((12, "".into())));
        assert_eq!(version_of("users.toml"), None);
        assert_eq!(
            version_of("9223372036854775807_max.json"),
            Some((MAX_VERSION, "max".into()))
        );
        for bad in [
            "9223372036854775808_x.toml",
            "99999999999999999999999_x.toml",
            "0x10_x.toml",
            "1.5_x.toml",
            "12.5.yaml",
            "3-x.toml",
        ] {
            assert!(
                parse_version(bad).is_err(),
                "{bad} was read as {:?}",
                parse_version(bad)
            );
        }
    }

    #[test]
    fn entries_that_are_no_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("strata-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("0001_a.TOML"),
            "[[step]]\nop = \"drop_table\"\ntable = \"t\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("README.md"), "not a migration").unwrap();
        let found = discover(&dir).unwrap();
        assert_eq!(found.len(), 1, "an upper-case extension is a migration too");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("gone.toml"), dir.join("0002_b.toml")).unwrap();
            let e = discover(&dir).unwrap_err().to_string();
            assert!(
                e.contains("0002_b.toml") && e.contains("symbolic link to nothing"),
                "{e}"
            );
            std::fs::remove_file(dir.join("0002_b.toml")).unwrap();
            let fifo = dir.join("0003_c.yaml");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let e = discover(&dir).unwrap_err().to_string();
                assert!(e.contains("0003_c.yaml") && e.contains("FIFO"), "{e}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
