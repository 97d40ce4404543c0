//! Portable column types: the vocabulary migration files use, mapped by each driver to its
//! native types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A portable column type (DESIGN §2).
///
/// ```
/// use strata_core::PortableType;
/// let t: PortableType = "decimal(10,2)".parse().unwrap();
/// assert_eq!(t, PortableType::Decimal { precision: 10, scale: 2 });
/// assert_eq!(t.to_string(), "decimal(10,2)");
/// assert!("int65".parse::<PortableType>().unwrap_err().contains("expected one of"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PortableType {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// Exact decimal with `precision` digits, `scale` of them after the point.
    Decimal {
        precision: u8,
        scale: u8,
    },
    /// Variable-length string of at most `len` characters.
    String {
        len: u32,
    },
    Text,
    Bytes,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    Json,
}

/// The spellings accepted, in the order error messages list them.
pub const TYPE_NAMES: &str = "bool, int16, int32, int64, float32, float64, decimal(p,s), \
string(n), text, bytes, date, time, timestamp, timestamptz, uuid, json";

impl PortableType {
    /// One type of each kind (`decimal(10,2)`, `string(20)` for the parameterized ones), for a
    /// driver's tests that every portable type maps to a native one and back.
    pub fn one_of_each() -> Vec<PortableType> {
        [
            "bool",
            "int16",
            "int32",
            "int64",
            "float32",
            "float64",
            "decimal(10,2)",
            "string(20)",
            "text",
            "bytes",
            "date",
            "time",
            "timestamp",
            "timestamptz",
            "uuid",
            "json",
        ]
        .iter()
        .map(|n| n.parse().expect("a portable type"))
        .collect()
    }

    /// Whether values of this type are whole numbers.
    pub fn is_integer(self) -> bool {
        matches!(self, Self::Int16 | Self::Int32 | Self::Int64)
    }

    /// Whether values of this type are numbers.
    pub fn is_numeric(self) -> bool {
        self.is_integer() || matches!(self, Self::Float32 | Self::Float64 | Self::Decimal { .. })
    }

    /// Whether values of this type are character strings.
    pub fn is_textual(self) -> bool {
        matches!(self, Self::String { .. } | Self::Text)
    }

    /// Why a migration-file literal (a `default`, a `fill`) is no value of this type, where
    /// that can be told without the engine: an integer out of the type's range or no integer
    /// at all, a float32 out of range, a string longer than `string(n)` allows. Every engine
    /// would refuse these when the statement runs (MariaDB after earlier steps had run).
    pub fn check_literal(self, value: &serde_json::Value) -> Result<(), String> {
        use serde_json::Value as J;
        let range = match self {
            Self::Int16 => Some((i16::MIN as i128, i16::MAX as i128)),
            Self::Int32 => Some((i32::MIN as i128, i32::MAX as i128)),
            Self::Int64 => Some((i64::MIN as i128, i64::MAX as i128)),
            _ => None,
        };
        if let Some((lo, hi)) = range {
            let n: Option<i128> = match value {
                J::Null => return Ok(()),
                J::Number(n) => n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
                    .or_else(|| {
                        n.as_f64()
                            .filter(|f| f.fract() == 0.0 && f.abs() < 1e30)
                            .map(|f| f as i128)
                    }),
                J::String(t) => t.trim().parse::<i128>().ok(),
                J::Bool(_) => return Err(format!("{value} is no {self} value")),
                _ => None,
            };
            return match n {
                Some(n) if (lo..=hi).contains(&n) => Ok(()),
                Some(_) => Err(format!("{value} does not fit {self} ({lo} to {hi})")),
                None => Err(format!("{value} is no whole number, as {self} needs")),
            };
        }
        match (self, value) {
            (Self::Float32, J::Number(n))
                if n.as_f64().is_some_and(|f| f.abs() > f32::MAX as f64) =>
            {
                Err(format!("{value} does not fit float32"))
            }
            (Self::String { len }, v) => {
                let text = match v {
                    J::String(t) => t.clone(),
                    J::Null => return Ok(()),
                    other => other.to_string(),
                };
                let chars = text.chars().count();
                if chars > len as usize {
                    Err(format!(
                        "{value} is {chars} characters long; {self} holds at most {len}"
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for PortableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool => f.write_str("bool"),
            Self::Int16 => f.write_str("int16"),
            Self::Int32 => f.write_str("int32"),
            Self::Int64 => f.write_str("int64"),
            Self::Float32 => f.write_str("float32"),
            Self::Float64 => f.write_str("float64"),
            Self::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            Self::String { len } => write!(f, "string({len})"),
            Self::Text => f.write_str("text"),
            Self::Bytes => f.write_str("bytes"),
            Self::Date => f.write_str("date"),
            Self::Time => f.write_str("time"),
            Self::Timestamp => f.write_str("timestamp"),
            Self::TimestampTz => f.write_str("timestamptz"),
            Self::Uuid => f.write_str("uuid"),
            Self::Json => f.write_str("json"),
        }
    }
}

impl FromStr for PortableType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let unknown = || format!("unknown type \"{s}\" (expected one of {TYPE_NAMES})");
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let simple = match compact.as_str() {
            "bool" => Some(Self::Bool),
            "int16" => Some(Self::Int16),
            "int32" => Some(Self::Int32),
            "int64" => Some(Self::Int64),
            "float32" => Some(Self::Float32),
            "float64" => Some(Self::Float64),
            "text" => Some(Self::Text),
            "bytes" => Some(Self::Bytes),
            "date" => Some(Self::Date),
            "time" => Some(Self::Time),
            "timestamp" => Some(Self::Timestamp),
            "timestamptz" => Some(Self::TimestampTz),
            "uuid" => Some(Self::Uuid),
            "json" => Some(Self::Json),
            _ => None,
        };
        if let Some(t) = simple {
            return Ok(t);
        }
        let args = |prefix: &str| -> Option<Vec<&str>> {
            compact
                .strip_prefix(prefix)?
                .strip_prefix('(')?
                .strip_suffix(')')
                .map(|inner| inner.split(',').collect())
        };
        if let Some(a) = args("string") {
            let len: u32 = match a.as_slice() {
                [n] => n.parse().map_err(|_| unknown())?,
                _ => return Err(unknown()),
            };
            if len == 0 {
                return Err(format!("type \"{s}\": string length must be at least 1"));
            }
            return Ok(Self::String { len });
        }
        if let Some(a) = args("decimal") {
            let (precision, scale): (u8, u8) = match a.as_slice() {
                [p, s] => (
                    p.parse().map_err(|_| unknown())?,
                    s.parse().map_err(|_| unknown())?,
                ),
                [p] => (p.parse().map_err(|_| unknown())?, 0),
                _ => return Err(unknown()),
            };
            if precision == 0 || precision > 38 || scale > precision {
                return Err(format!(
                    "type \"{s}\": decimal needs 1 <= precision <= 38 and scale <= precision"
                ));
            }
            return Ok(Self::Decimal { precision, scale });
        }
        Err(unknown())
    }
}

impl Serialize for PortableType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortableType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How portable types map to an engine's native types. The planner's simulation needs only
/// this of a driver.
pub trait TypeMapper: Send + Sync {
    /// The native type a portable type maps to (`int64` → `bigint`).
    fn native_type(&self, ty: PortableType) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_checked_against_their_type() {
        use serde_json::json;
        let s3 = PortableType::String { len: 3 };
        for (ty, ok, bad) in [
            (
                PortableType::Int32,
                json!(2147483647),
                json!(2147483648_i64),
            ),
            (PortableType::Int16, json!("-32768"), json!(-32769)),
            (
                PortableType::Int64,
                json!(9223372036854775807_i64),
                json!(9223372036854775808_u64),
            ),
            (PortableType::Int32, json!(7.0), json!(7.5)),
            (PortableType::Int32, json!(null), json!("seven")),
            (s3, json!("héé"), json!("toolong")),
            (s3, json!(123), json!(1234)),
            (PortableType::Float32, json!(3.0e38), json!(1.0e39)),
        ] {
            assert_eq!(ty.check_literal(&ok), Ok(()), "{ty} {ok}");
            assert!(ty.check_literal(&bad).is_err(), "{ty} {bad}");
        }
        assert!(PortableType::Int32
            .check_literal(&json!(2147483648_i64))
            .unwrap_err()
            .contains("does not fit int32"));
        assert_eq!(PortableType::Text.check_literal(&json!("anything")), Ok(()));
    }

    #[test]
    fn every_type_round_trips_through_its_spelling() {
        for name in [
            "bool",
            "int16",
            "int32",
            "int64",
            "float32",
            "float64",
            "decimal(12,3)",
            "string(40)",
            "text",
            "bytes",
            "date",
            "time",
            "timestamp",
            "timestamptz",
            "uuid",
            "json",
        ] {
            let t: PortableType = name.parse().unwrap();
            assert_eq!(t.to_string(), name);
        }
    }

    #[test]
    fn bad_types_are_refused_with_the_list() {
        let e = "int65".parse::<PortableType>().unwrap_err();
        assert_eq!(
            e,
            format!("unknown type \"int65\" (expected one of {TYPE_NAMES})")
        );
        assert!("string(0)".parse::<PortableType>().is_err());
        assert!("decimal(3,5)".parse::<PortableType>().is_err());
        assert!("string(x)".parse::<PortableType>().is_err());
        assert_eq!(
            "decimal( 8 , 2 )"
                .parse::<PortableType>()
                .unwrap()
                .to_string(),
            "decimal(8,2)"
        );
    }
}
