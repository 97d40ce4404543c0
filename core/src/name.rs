//! Table names, optionally schema-qualified (`billing.invoices`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A table (or collection) name with an optional schema.
///
/// ```
/// use strata_core::QualifiedName;
/// let n: QualifiedName = "billing.invoices".parse().unwrap();
/// assert_eq!(n.schema.as_deref(), Some("billing"));
/// assert_eq!(n.name, "invoices");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    /// The schema (PostgreSQL schema, MySQL database); `None` means the connection's default.
    pub schema: Option<String>,
    /// The table's own name.
    pub name: String,
}

impl QualifiedName {
    /// An unqualified name.
    pub fn new(name: impl Into<String>) -> Self {
        QualifiedName {
            schema: None,
            name: name.into(),
        }
    }

    /// The name with `suffix` appended to the table part, keeping the schema.
    pub fn with_name(&self, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: self.schema.clone(),
            name: name.into(),
        }
    }
}

/// The longest generated name strata makes: PostgreSQL truncates identifiers at 63 bytes,
/// MySQL refuses more than 64.
pub const MAX_GENERATED_NAME: usize = 63;

/// `name` if it fits in [`MAX_GENERATED_NAME`] bytes; otherwise its first bytes and a hash of
/// the whole, so that two long names never shorten to the same one.
///
/// ```
/// use strata_core::steps::fit_identifier;
/// assert_eq!(fit_identifier("users_email_idx"), "users_email_idx");
/// let a = fit_identifier(&format!("strata_bak_3_{}_a", "x".repeat(60)));
/// let b = fit_identifier(&format!("strata_bak_3_{}_b", "x".repeat(60)));
/// assert!(a.len() <= 63 && b.len() <= 63 && a != b && a.starts_with("strata_bak_3_"));
/// ```
pub fn fit_identifier(name: &str) -> String {
    use sha2::{Digest, Sha256};
    if name.len() <= MAX_GENERATED_NAME {
        return name.to_owned();
    }
    let hash = hex::encode(&Sha256::digest(name.as_bytes())[..6]);
    let mut cut = MAX_GENERATED_NAME - hash.len() - 1;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}", &name[..cut])
}

/// Checks an identifier that strata will quote: any text is legal except empty text and NUL.
pub fn check_identifier(what: &str, s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if s.contains('\0') {
        return Err(format!("{what} {s:?} contains a NUL character"));
    }
    Ok(())
}

impl std::str::FromStr for QualifiedName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (schema, name) = match s.split_once('.') {
            Some((schema, name)) => (Some(schema.to_owned()), name.to_owned()),
            None => (None, s.to_owned()),
        };
        if let Some(schema) = &schema {
            check_identifier("schema name", schema)?;
        }
        check_identifier("table name", &name)?;
        if name.contains('.') {
            return Err(format!(
                "table name {s:?} has more than one '.' (expected table or schema.table)"
            ));
        }
        Ok(QualifiedName { schema, name })
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl Serialize for QualifiedName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QualifiedName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}
