//! Migration files: discovery in a directory, parsing (TOML, YAML, JSON) into one model, and
//! the canonical checksum.

mod checksum;
mod discover;
mod parse;

pub use checksum::checksum;
pub use discover::{discover, version_of};
pub use parse::{parse_file, parse_str, parse_text, Format};

use serde::Serialize;

use crate::error::StepLocation;
use crate::steps::Step;

/// A parsed migration file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Migration {
    /// The file name's leading integer.
    pub version: u64,
    /// The rest of the file name, without extension.
    pub name: String,
    /// The file, as strata names it in messages.
    pub file: String,
    /// The file's `description`.
    pub description: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// SHA-256 of the canonical parsed migration (format and whitespace do not matter).
    pub checksum: String,
}

impl Migration {
    /// The location of step `step` (1-based) for error messages.
    pub fn location(&self, step: &Step) -> StepLocation {
        StepLocation {
            file: self.file.clone(),
            index: step.index,
            op: step.op().to_owned(),
        }
    }
}
