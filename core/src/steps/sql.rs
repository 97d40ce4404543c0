//! `sql`: the escape hatch — per-engine statement text (or a MongoDB command document), with
//! an optional `down`. Without `down` the step is irreversible and `rollback` refuses it.
//!
//! ```toml
//! [[step]]
//! op = "sql"
//! postgres = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
//! down = { postgres = "DROP EXTENSION IF EXISTS pg_trgm" }
//! ```

use serde::{Deserialize, Serialize};

use super::{ChangeCategory, EngineTexts, QualifiedName, Reversibility, StepSpec};
use crate::schema::Snapshot;
use crate::types::TypeMapper;

/// Fields of `sql`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sql {
    /// The statements, per engine.
    /// PostgreSQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL / MariaDB text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// MongoDB command document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mongodb: Option<serde_json::Value>,
    /// The inverse statements, per engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<EngineTexts>,
}

impl Sql {
    /// The per-engine texts as one value.
    pub fn up(&self) -> EngineTexts {
        EngineTexts {
            postgres: self.postgres.clone(),
            mysql: self.mysql.clone(),
            sqlite: self.sqlite.clone(),
            mongodb: self.mongodb.clone(),
        }
    }
}

impl StepSpec for Sql {
    fn columns(&self) -> Vec<&str> {
        Vec::new()
    }

    /// What an escape hatch does to the schema strata cannot know: the next command inspects
    /// it again.
    fn simulate(&self, _: &mut Snapshot, _: &dyn TypeMapper) {}

    fn validate(&self) -> Result<(), String> {
        if self.up().is_empty() {
            return Err("no statement for any engine (expected one of the fields postgres, mysql, sqlite, mongodb)".into());
        }
        Ok(())
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::RawStatements
    }
    fn reversibility(&self) -> Reversibility {
        if self.down.is_some() {
            Reversibility::Yes
        } else {
            Reversibility::No
        }
    }
    fn describe(&self) -> String {
        "raw statement".into()
    }
    fn table(&self) -> Option<&QualifiedName> {
        None
    }
}
