//! A migration file compiled into the binary by [`embed!`](crate::embed).

use std::path::Path;

use strata_core::migration::{parse_text, Migration};
use strata_core::{Error, Result};

/// One embedded migration file: its text as it was at build time, and the checksum the build
/// computed of it. Made by [`embed!`](crate::embed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Embedded {
    /// The file as messages name it (`migrations/0001_users.toml`).
    pub file: &'static str,
    /// Its name, which carries its version and format.
    pub file_name: &'static str,
    /// Its text.
    pub text: &'static str,
    /// The checksum computed at build time.
    pub checksum: &'static str,
}

/// What `embed!` writes for one file: `(file, file name, text, checksum)`.
pub type EmbeddedFile = (&'static str, &'static str, &'static str, &'static str);

impl From<&EmbeddedFile> for Embedded {
    fn from(&(file, file_name, text, checksum): &EmbeddedFile) -> Self {
        Embedded {
            file,
            file_name,
            text,
            checksum,
        }
    }
}

impl Embedded {
    /// Parses the text, as at build time, and checks that the checksum is the same.
    pub(crate) fn parse(&self) -> Result<Migration> {
        let migration = parse_text(self.file, Path::new(self.file_name), self.text)?;
        if migration.checksum != self.checksum {
            return Err(Error::File {
                file: self.file.to_owned(),
                message: format!(
                    "its checksum is {}, not the {} computed when it was embedded",
                    migration.checksum, self.checksum
                ),
            });
        }
        Ok(migration)
    }
}
