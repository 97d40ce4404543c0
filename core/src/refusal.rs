//! Why strata will not run something: a [`Refusal`] has a [`RefusalKind`] a program can match,
//! the object it is about, and the message a person reads. A leaf: it knows nothing else.

use std::fmt;

use serde::Serialize;

/// What kind of reason refuses a step or a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefusalKind {
    /// A table, column, index, constraint or backup the step names does not exist.
    MissingObject,
    /// What the step would create exists already (a table, a column, a name taken).
    Exists,
    /// A new name the engine would truncate or reject.
    Name,
    /// Values that will not convert to the new type.
    Incompatible,
    /// NULLs in a column about to become NOT NULL, with no `fill`.
    Nulls,
    /// Rows whose key has no parent.
    Orphans,
    /// Rows sharing a key that must become unique.
    Duplicates,
    /// Objects that depend on what the step changes (views, foreign keys, triggers).
    Dependents,
    /// A write the server would stop half way: a unique key, a foreign key or a CHECK it
    /// breaks.
    Conflict,
    /// The step needs something of the table it lacks (a primary key for its backups).
    Precondition,
    /// The step's fields cannot work on this schema (`on_incompatible = "set_null"` on a NOT
    /// NULL column, `orphans = "set_null"` on NOT NULL key columns).
    Invalid,
    /// What this engine cannot do, or cannot do safely as the step is written.
    Unsupported,
    /// It would destroy data no backup keeps, or cannot be undone.
    Irreversible,
    /// An applied migration's file changed or disappeared.
    Drift,
    /// An `assert` step, or a check strata runs before an action, found what it must not.
    Check,
    /// The user did not confirm.
    Unconfirmed,
}

impl RefusalKind {
    /// The kind's name, as it is serialized (`missing_object`).
    pub fn name(self) -> &'static str {
        match self {
            Self::MissingObject => "missing_object",
            Self::Exists => "exists",
            Self::Name => "name",
            Self::Incompatible => "incompatible",
            Self::Nulls => "nulls",
            Self::Orphans => "orphans",
            Self::Duplicates => "duplicates",
            Self::Dependents => "dependents",
            Self::Conflict => "conflict",
            Self::Precondition => "precondition",
            Self::Invalid => "invalid",
            Self::Unsupported => "unsupported",
            Self::Irreversible => "irreversible",
            Self::Drift => "drift",
            Self::Check => "check",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

impl fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One reason strata will not run a step or a command.
///
/// ```
/// use strata_core::{Refusal, RefusalKind};
/// let r = Refusal::missing("users", "table \"users\" does not exist");
/// assert_eq!(r.kind, RefusalKind::MissingObject);
/// assert_eq!(r.to_string(), "table \"users\" does not exist");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// What kind of reason it is.
    pub kind: RefusalKind,
    /// The object it is about (`users`, `users.email`), when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The message, as the plan and the error show it.
    pub detail: String,
}

impl Refusal {
    /// A refusal of `kind`, about no object in particular.
    pub fn new(kind: RefusalKind, detail: impl Into<String>) -> Self {
        Refusal {
            kind,
            object: None,
            detail: detail.into(),
        }
    }

    /// This refusal, about `object`.
    pub fn on(mut self, object: impl fmt::Display) -> Self {
        self.object = Some(object.to_string());
        self
    }

    /// `object` does not exist.
    pub fn missing(object: impl fmt::Display, detail: impl Into<String>) -> Self {
        Refusal::new(RefusalKind::MissingObject, detail).on(object)
    }

    /// `object` exists already.
    pub fn exists(object: impl fmt::Display, detail: impl Into<String>) -> Self {
        Refusal::new(RefusalKind::Exists, detail).on(object)
    }

    /// Objects depend on `object`.
    pub fn dependents(object: impl fmt::Display, detail: impl Into<String>) -> Self {
        Refusal::new(RefusalKind::Dependents, detail).on(object)
    }

    /// The engine cannot do it.
    pub fn unsupported(detail: impl Into<String>) -> Self {
        Refusal::new(RefusalKind::Unsupported, detail)
    }

    /// The step's fields cannot work on this schema.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Refusal::new(RefusalKind::Invalid, detail)
    }

    /// The table lacks what the step needs.
    pub fn precondition(object: impl fmt::Display, detail: impl Into<String>) -> Self {
        Refusal::new(RefusalKind::Precondition, detail).on(object)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}
