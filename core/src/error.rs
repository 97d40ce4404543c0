//! The one error type of strata-core and of the drivers built on it.

use crate::refusal::{Refusal, RefusalKind};
use std::fmt;

/// Where in a migration something went wrong: the file, the step (1-based) and its op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLocation {
    /// The migration file as the user named it (relative to the migrations directory's parent).
    pub file: String,
    /// 1-based index of the step in the file.
    pub index: usize,
    /// The step's `op`, or `?` when the op itself could not be read.
    pub op: String,
}

impl fmt::Display for StepLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: step {} ({})", self.file, self.index, self.op)
    }
}

/// What a step error says: its message, and the kind of refusal it is when it is one.
#[derive(Debug, Clone)]
pub struct StepMessage {
    /// The message.
    pub message: String,
    /// The refusal's kind, for a failed pre-flight check.
    pub kind: Option<RefusalKind>,
}

impl From<Refusal> for StepMessage {
    fn from(r: Refusal) -> Self {
        StepMessage {
            message: r.detail,
            kind: Some(r.kind),
        }
    }
}

impl From<String> for StepMessage {
    fn from(message: String) -> Self {
        StepMessage {
            message,
            kind: None,
        }
    }
}

impl From<&str> for StepMessage {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

impl From<&String> for StepMessage {
    fn from(message: &String) -> Self {
        message.clone().into()
    }
}

/// A boxed error from a database client library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in strata-core and the drivers.
///
/// The CLI maps variants to exit codes: [`Error::Refused`] and [`Error::Drift`] exit 3,
/// [`Error::LockHeld`] exits 4, [`Error::Usage`] exits 2, everything else exits 1.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A migration file could not be read or parsed as a whole.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// One step of a migration file is invalid, or cannot be compiled for an engine.
    #[error("{location}: {message}")]
    Step {
        /// Where.
        location: StepLocation,
        /// What.
        message: String,
        /// The kind of refusal behind it, when a pre-flight check failed at compile time
        /// (the plan then lists it as that refusal).
        kind: Option<RefusalKind>,
    },
    /// A safety check refused to go on; nothing was executed. `reasons` are the typed
    /// [`Refusal`]s behind `message` (one, or one per refused step of a plan).
    #[error("refused: {message}")]
    Refused {
        /// What the user reads.
        message: String,
        /// Why, by kind.
        reasons: Vec<Refusal>,
    },
    /// An applied migration's file changed or disappeared.
    #[error("drift: {0}")]
    Drift(String),
    /// Another runner holds the migration lock.
    #[error("lock `{lock}` is held by {} (waited {waited_ms} ms); try again later or raise --lock-timeout", holder.as_ref().map_or_else(|| "another strata runner".to_owned(), |h| format!("another strata runner: {h}")))]
    LockHeld {
        /// The lock's name as the engine knows it.
        lock: String,
        /// How long this runner waited.
        waited_ms: u64,
        /// Who holds it, as far as the engine tells.
        holder: Option<Box<crate::lock_holder::LockHolder>>,
    },
    /// The driver cannot do this operation; its capabilities say so.
    #[error("driver `{driver}` does not support {operation}")]
    NotSupported {
        /// The driver's name.
        driver: String,
        /// What was asked.
        operation: String,
    },
    /// The database returned an error.
    #[error("{driver}: {context}")]
    Database {
        /// The driver's name.
        driver: String,
        /// What strata was doing (never contains credentials).
        context: String,
        /// The client library's error.
        #[source]
        source: BoxError,
    },
    /// An action failed while running; the cause says why.
    #[error("{at}: {action} failed")]
    Action {
        /// The file (or migration) and step.
        at: String,
        /// The action's description.
        action: String,
        /// The cause.
        #[source]
        source: Box<Error>,
    },
    /// A check that strata runs after or during an apply failed.
    #[error("verification failed: {0}")]
    Verification(String),
    /// Bad command-line usage or configuration.
    #[error("{0}")]
    Usage(String),
    /// No driver, or a conflicting driver registration.
    #[error("{0}")]
    Registry(String),
    /// Filesystem error.
    #[error("{path}: {source}")]
    Io {
        /// The path strata was reading or writing.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// This error with every secret [`remember`](crate::secrets::remember)ed masked, in its
    /// text and in the errors under it (which become their masked text): for an error that
    /// leaves strata through an API rather than through the CLI's scrubbed output. An error
    /// that holds no secret comes back as it was.
    pub fn scrubbed(self) -> Error {
        use crate::secrets::scrub;
        let holds = |t: &str| matches!(scrub(t), std::borrow::Cow::Owned(_));
        if !holds(&format!("{self} {self:?}")) {
            return self;
        }
        let s = |t: String| scrub(&t).into_owned();
        match self {
            Error::File { file, message } => Error::File {
                file: s(file),
                message: s(message),
            },
            Error::Step {
                location,
                message,
                kind,
            } => Error::Step {
                location: StepLocation {
                    file: s(location.file),
                    ..location
                },
                message: s(message),
                kind,
            },
            Error::Refused { message, reasons } => Error::Refused {
                message: s(message),
                reasons: reasons
                    .into_iter()
                    .map(|r| Refusal {
                        detail: s(r.detail),
                        ..r
                    })
                    .collect(),
            },
            Error::Drift(m) => Error::Drift(s(m)),
            Error::Verification(m) => Error::Verification(s(m)),
            Error::Usage(m) => Error::Usage(s(m)),
            Error::Registry(m) => Error::Registry(s(m)),
            Error::Database {
                driver,
                context,
                source,
            } => Error::Database {
                driver,
                context: s(context),
                source: s(source.to_string()).into(),
            },
            Error::Action { at, action, source } => Error::Action {
                at: s(at),
                action: s(action),
                source: Box::new(source.scrubbed()),
            },
            Error::Io { path, source } => Error::Io {
                path: s(path),
                source: std::io::Error::new(source.kind(), s(source.to_string())),
            },
            other @ (Error::LockHeld { .. } | Error::NotSupported { .. }) => other,
        }
    }

    /// A refusal for one reason, its message the reason's.
    pub fn refused(reason: Refusal) -> Self {
        Error::Refused {
            message: reason.detail.clone(),
            reasons: vec![reason],
        }
    }

    /// A refusal whose `message` sums up several reasons.
    pub fn refused_all(message: impl Into<String>, reasons: Vec<Refusal>) -> Self {
        Error::Refused {
            message: message.into(),
            reasons,
        }
    }

    /// The kinds of reason behind a refusal (through an action that failed), or none for any
    /// other error.
    pub fn refusal_kinds(&self) -> Vec<RefusalKind> {
        match self {
            Error::Refused { reasons, .. } => reasons.iter().map(|r| r.kind).collect(),
            Error::Drift(_) => vec![RefusalKind::Drift],
            Error::Action { source, .. } => source.refusal_kinds(),
            _ => Vec::new(),
        }
    }

    /// A step error at `location`: a message, or a [`Refusal`] whose kind it keeps.
    pub fn step(location: &StepLocation, message: impl Into<StepMessage>) -> Self {
        let StepMessage { message, kind } = message.into();
        Error::Step {
            location: location.clone(),
            message,
            kind,
        }
    }

    /// A database error from `driver` while doing `context`.
    pub fn database(driver: &str, context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Database {
            driver: driver.to_owned(),
            context: context.into(),
            source: source.into(),
        }
    }

    /// The process exit code documented for this error (DESIGN §4).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Refused { .. } | Error::Drift(_) => 3,
            Error::LockHeld { .. } => 4,
            Error::Usage(_) => 2,
            Error::Action { source, .. } => source.exit_code(),
            _ => 1,
        }
    }
}

/// `Result` with strata's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
