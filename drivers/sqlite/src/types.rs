//! Portable types ↔ the declared types strata gives SQLite columns. SQLite stores any value
//! in any column; the declared type keeps the portable type readable and sets the affinity.

use strata_core::PortableType;

/// The declared type for a portable type.
pub fn native(ty: PortableType) -> String {
    match ty {
        PortableType::Bool => "BOOLEAN".into(),
        PortableType::Int16 => "SMALLINT".into(),
        PortableType::Int32 => "INTEGER".into(),
        PortableType::Int64 => "BIGINT".into(),
        PortableType::Float32 => "REAL".into(),
        PortableType::Float64 => "DOUBLE".into(),
        PortableType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        PortableType::String { len } => format!("VARCHAR({len})"),
        PortableType::Text => "TEXT".into(),
        PortableType::Bytes => "BLOB".into(),
        PortableType::Date => "DATE".into(),
        PortableType::Time => "TIME".into(),
        PortableType::Timestamp => "TIMESTAMP".into(),
        PortableType::TimestampTz => "TIMESTAMPTZ".into(),
        PortableType::Uuid => "UUID".into(),
        PortableType::Json => "JSON".into(),
    }
}

/// The declared type for a portable type in a table that is `STRICT` or not. A STRICT table
/// takes only INT, INTEGER, REAL, TEXT, BLOB and ANY (<https://www.sqlite.org/stricttables.html>),
/// so each portable type maps to the storage class that holds it; a decimal has none that
/// keeps both its digits and its numeric order.
pub fn declared(ty: PortableType, strict: bool) -> Result<String, String> {
    if !strict {
        return Ok(native(ty));
    }
    Ok(match ty {
        PortableType::Bool | PortableType::Int16 | PortableType::Int32 | PortableType::Int64 => {
            "INTEGER"
        }
        PortableType::Float32 | PortableType::Float64 => "REAL",
        PortableType::Bytes => "BLOB",
        PortableType::Decimal { .. } => {
            return Err(format!(
                "a STRICT table has no type for {ty}: it takes only INT, INTEGER, REAL, TEXT, \
                 BLOB and ANY, and REAL would round the digits while TEXT would order them as text"
            ))
        }
        _ => "TEXT",
    }
    .to_owned())
}

/// The portable type of a declared type.
pub fn portable(declared: &str) -> Option<PortableType> {
    let t = declared.trim().to_ascii_uppercase();
    let (base, args) = match t.split_once('(') {
        Some((b, rest)) => (
            b.trim().to_owned(),
            rest.split_once(')').map(|(a, _)| a.to_owned()),
        ),
        None => (t.clone(), None),
    };
    Some(match base.as_str() {
        "BOOLEAN" | "BOOL" => PortableType::Bool,
        "SMALLINT" => PortableType::Int16,
        "INTEGER" | "INT" => PortableType::Int32,
        "BIGINT" => PortableType::Int64,
        "REAL" | "FLOAT" => PortableType::Float32,
        "DOUBLE" | "DOUBLE PRECISION" => PortableType::Float64,
        "DECIMAL" | "NUMERIC" => {
            let a = args?;
            let (p, s) = a.split_once(',').unwrap_or((a.as_str(), "0"));
            PortableType::Decimal {
                precision: p.trim().parse().ok()?,
                scale: s.trim().parse().ok()?,
            }
        }
        "VARCHAR" => PortableType::String {
            len: args?.trim().parse().ok()?,
        },
        "TEXT" => PortableType::Text,
        "BLOB" => PortableType::Bytes,
        "DATE" => PortableType::Date,
        "TIME" => PortableType::Time,
        "TIMESTAMP" | "DATETIME" => PortableType::Timestamp,
        "TIMESTAMPTZ" => PortableType::TimestampTz,
        "UUID" => PortableType::Uuid,
        "JSON" => PortableType::Json,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portable_type_round_trips() {
        for t in PortableType::one_of_each() {
            assert_eq!(portable(&native(t)), Some(t), "{t}");
            assert_eq!(declared(t, false), Ok(native(t)));
        }
    }

    #[test]
    fn strict_tables_get_their_storage_classes() {
        let strict = |t: &str| declared(t.parse().unwrap(), true);
        assert_eq!(strict("int64").as_deref(), Ok("INTEGER"));
        assert_eq!(strict("bool").as_deref(), Ok("INTEGER"));
        assert_eq!(strict("float64").as_deref(), Ok("REAL"));
        assert_eq!(strict("string(20)").as_deref(), Ok("TEXT"));
        assert_eq!(strict("timestamptz").as_deref(), Ok("TEXT"));
        assert_eq!(strict("bytes").as_deref(), Ok("BLOB"));
        assert!(strict("decimal(10,2)").unwrap_err().contains("STRICT"));
    }
}
