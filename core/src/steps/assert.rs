//! `assert`: a per-engine query that must return `expect_rows` rows [0]; otherwise the
//! migration stops (and, where the engine allows, nothing it did is kept).
//!
//! ```toml
//! [[step]]
//! op = "assert"
//! postgres = "SELECT 1 FROM users WHERE email IS NULL"
//! ```

use serde::{Deserialize, Serialize};

use super::{ChangeCategory, EngineTexts, QualifiedName, Reversibility, StepSpec};
use crate::schema::Snapshot;
use crate::types::TypeMapper;

/// Fields of `assert`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assert {
    /// The query, per engine.
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
    /// The number of rows the query must return [0].
    #[serde(default)]
    pub expect_rows: u64,
}

impl Assert {
    /// The per-engine texts as one value.
    pub fn query(&self) -> EngineTexts {
        EngineTexts {
            postgres: self.postgres.clone(),
            mysql: self.mysql.clone(),
            sqlite: self.sqlite.clone(),
            mongodb: self.mongodb.clone(),
        }
    }
}

impl StepSpec for Assert {
    fn columns(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Reads rows only: the schema stays as it is.
    fn simulate(&self, _: &mut Snapshot, _: &dyn TypeMapper) {}

    fn validate(&self) -> Result<(), String> {
        if self.query().is_empty() {
            return Err("no query for any engine (expected one of the fields postgres, mysql, sqlite, mongodb)".into());
        }
        Ok(())
    }
    fn category(&self) -> ChangeCategory {
        ChangeCategory::Assertions
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Yes
    }
    fn describe(&self) -> String {
        format!("assert the query returns {} rows", self.expect_rows)
    }
    fn table(&self) -> Option<&QualifiedName> {
        None
    }
}
