//! BSON ↔ JSON (commands are shown and stored as relaxed extended JSON) and BSON ↔ core's
//! portable `Value`, typed by the column's portable type.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mongodb::bson::{self, Bson, Document};
use strata_core::{Error, PortableType, Result, Value};

/// A command document from its JSON form (relaxed extended JSON).
pub fn document(json: &serde_json::Value) -> Result<Document> {
    match Bson::try_from(json.clone()) {
        Ok(Bson::Document(d)) => Ok(d),
        Ok(_) => Err(Error::Usage(format!(
            "a MongoDB command must be a document, not {json}"
        ))),
        Err(e) => Err(Error::Usage(format!("invalid MongoDB command {json}: {e}"))),
    }
}

/// The JSON form of a document.
pub fn json(d: Document) -> serde_json::Value {
    Bson::Document(d).into_relaxed_extjson()
}

/// A migration-file literal as the BSON value of a field of portable type `ty`.
pub fn literal(value: &serde_json::Value, ty: Option<PortableType>) -> Bson {
    let text = |v: &serde_json::Value| {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    };
    match (ty, value) {
        (_, serde_json::Value::Null) => Bson::Null,
        // Never wrapped: a number beyond 32 bits stays a long, which the validator refuses.
        (Some(PortableType::Int16 | PortableType::Int32), serde_json::Value::Number(n))
            if n.as_i64().is_some() =>
        {
            let i = n.as_i64().unwrap_or_default();
            i32::try_from(i).map_or(Bson::Int64(i), Bson::Int32)
        }
        (Some(PortableType::Int64), serde_json::Value::Number(n)) if n.as_i64().is_some() => {
            Bson::Int64(n.as_i64().unwrap_or_default())
        }
        (Some(PortableType::Float32 | PortableType::Float64), serde_json::Value::Number(n)) => {
            Bson::Double(n.as_f64().unwrap_or_default())
        }
        (Some(PortableType::Decimal { .. }), v) => text(v)
            .parse::<bson::Decimal128>()
            .map(Bson::Decimal128)
            .unwrap_or_else(|_| Bson::String(text(v))),
        (
            Some(PortableType::Date | PortableType::Timestamp | PortableType::TimestampTz),
            serde_json::Value::String(s),
        ) => parse_datetime(s)
            .map(|d| Bson::DateTime(bson::DateTime::from_millis(d.timestamp_millis())))
            .unwrap_or_else(|| Bson::String(s.clone())),
        (
            Some(
                PortableType::Text
                | PortableType::String { .. }
                | PortableType::Uuid
                | PortableType::Time,
            ),
            v,
        ) => Bson::String(text(v)),
        // strata writes bytes as hex (a portable value's literal); other text as its UTF-8.
        (Some(PortableType::Bytes), v) => {
            let s = text(v);
            Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::Generic,
                bytes: hex::decode(&s).unwrap_or_else(|_| s.into_bytes()),
            })
        }
        (_, v) => Bson::try_from(v.clone()).unwrap_or_else(|_| Bson::String(v.to_string())),
    }
}

/// [`literal`] in a command: canonical extended JSON, which keeps the BSON type (relaxed
/// JSON writes a long that fits 32 bits as a plain number, which reads back as an int).
pub fn value(value: &serde_json::Value, ty: Option<PortableType>) -> serde_json::Value {
    literal(value, ty).into_canonical_extjson()
}

/// `2024-02-29`, `2024-02-29T13:14:15[.25][Z]`, or with a space: as a UTC instant.
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    let t = s.trim_end_matches('Z').replace(' ', "T");
    if let Ok(d) = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(d.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// A portable value as the BSON value of a field of portable type `ty`.
pub fn from_value(v: &Value, ty: Option<PortableType>) -> Bson {
    match v {
        Value::Bytes(b) => Bson::Binary(bson::Binary {
            subtype: bson::spec::BinarySubtype::Generic,
            bytes: b.clone(),
        }),
        Value::Json(j) => Bson::try_from(j.clone()).unwrap_or_else(|_| Bson::String(j.to_string())),
        other => literal(&other.to_literal(), ty),
    }
}

fn canonical_fraction(d: DateTime<Utc>, format: &str) -> String {
    let base = d.format(format).to_string();
    let millis = d.timestamp_subsec_millis();
    if millis == 0 {
        base
    } else {
        format!("{base}.{}", format!("{millis:03}").trim_end_matches('0'))
    }
}

/// A BSON value as a portable value, in the canonical text forms for temporal types.
pub fn to_value(b: &Bson, ty: Option<PortableType>) -> Value {
    match b {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(x) => Value::Bool(*x),
        Bson::Int32(i) => Value::Int(*i as i64),
        Bson::Int64(i) => Value::Int(*i),
        Bson::Double(f) => Value::Float(*f),
        Bson::Decimal128(d) => Value::Text(d.to_string()),
        Bson::String(s) => Value::Text(s.clone()),
        Bson::Binary(bin) => Value::Bytes(bin.bytes.clone()),
        Bson::ObjectId(o) => Value::Text(o.to_hex()),
        Bson::DateTime(d) => {
            let d =
                DateTime::<Utc>::from_timestamp_millis(d.timestamp_millis()).unwrap_or_default();
            Value::Text(match ty {
                Some(PortableType::Date) => d.format("%Y-%m-%d").to_string(),
                Some(PortableType::TimestampTz) => {
                    format!("{}Z", canonical_fraction(d, "%Y-%m-%dT%H:%M:%S"))
                }
                _ => canonical_fraction(d, "%Y-%m-%dT%H:%M:%S"),
            })
        }
        other => Value::Json(other.clone().into_relaxed_extjson()),
    }
}
