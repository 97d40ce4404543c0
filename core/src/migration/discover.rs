//! Finding migration files in a directory.

use std::path::Path;

use super::{parse_file, Migration};
use crate::error::{Error, Result};

/// The version (leading integer) and name of a migration file name such as `0003_x.toml`.
pub fn version_of(file_name: &str) -> Option<(u64, String)> {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let rest = &stem[digits.len()..];
    let name = rest.strip_prefix('_').unwrap_or(rest);
    Some((digits.parse().ok()?, name.to_owned()))
}

/// Reads and parses every migration file (`.toml`, `.yaml`, `.yml`, `.json`) in `dir`,
/// sorted by version. Other files are ignored. Two files with one version are an error, and so
/// is a migration file whose name does not start with its version.
pub fn discover(dir: &Path) -> Result<Vec<Migration>> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut migrations: Vec<Migration> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !matches!(ext, "toml" | "yaml" | "yml" | "json") || !path.is_file() {
            continue;
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
    }
}
