//! Portable values and rows, and content fingerprints computed over them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One value read from or written to any engine.
///
/// Temporal values, decimals and UUIDs travel as their canonical text, so that a value read
/// from one engine compares equal to the same value read from another:
///
/// | type | canonical text |
/// | --- | --- |
/// | date | `2024-02-29` |
/// | time | `13:14:15`, `13:14:15.25` (a fraction only when not zero) |
/// | timestamp | `2024-02-29T13:14:15`, `2024-02-29T13:14:15.25` |
/// | timestamptz | `2024-02-29T13:14:15Z` (in UTC) |
/// | decimal | plain notation with the column's scale: `10.50` |
/// | uuid | lower-case, hyphenated |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(#[serde(with = "hex_bytes")] Vec<u8>),
    Json(serde_json::Value),
}

impl Value {
    /// The value as a migration-file literal would spell it.
    pub fn to_literal(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| f.to_string().into()),
            Value::Text(s) => s.clone().into(),
            Value::Bytes(b) => hex::encode(b).into(),
            Value::Json(j) => j.clone(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One row: column name → value. Keys are sorted, so column order never matters.
pub type Row = BTreeMap<String, Value>;

/// Row count and an order-independent content hash of a set of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Number of rows.
    pub rows: u64,
    /// Hex digest; equal digests mean equal multisets of rows.
    pub digest: String,
}

/// The portable fingerprint of `rows`: SHA-256 over the sorted canonical JSON of each row.
///
/// ```
/// use strata_core::{portable_fingerprint, Row, Value};
/// let a: Row = [("id".to_string(), Value::Int(1))].into();
/// let b: Row = [("id".to_string(), Value::Int(2))].into();
/// assert_eq!(portable_fingerprint(&[a.clone(), b.clone()]), portable_fingerprint(&[b, a]));
/// ```
pub fn portable_fingerprint(rows: &[Row]) -> Fingerprint {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| serde_json::to_string(r).expect("rows always serialize"))
        .collect();
    lines.sort_unstable();
    let mut hasher = Sha256::new();
    for line in &lines {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    Fingerprint {
        rows: rows.len() as u64,
        digest: hex::encode(hasher.finalize()),
    }
}
