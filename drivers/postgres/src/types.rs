//! Portable types ↔ PostgreSQL types (as `format_type` spells them).

use strata_core::PortableType;

/// The PostgreSQL type for a portable type.
pub fn native(ty: PortableType) -> String {
    match ty {
        PortableType::Bool => "boolean".into(),
        PortableType::Int16 => "smallint".into(),
        PortableType::Int32 => "integer".into(),
        PortableType::Int64 => "bigint".into(),
        PortableType::Float32 => "real".into(),
        PortableType::Float64 => "double precision".into(),
        PortableType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
        PortableType::String { len } => format!("character varying({len})"),
        PortableType::Text => "text".into(),
        PortableType::Bytes => "bytea".into(),
        PortableType::Date => "date".into(),
        PortableType::Time => "time without time zone".into(),
        PortableType::Timestamp => "timestamp without time zone".into(),
        PortableType::TimestampTz => "timestamp with time zone".into(),
        PortableType::Uuid => "uuid".into(),
        PortableType::Json => "jsonb".into(),
    }
}

/// The portable type of a PostgreSQL type, when there is one.
pub fn portable(native: &str) -> Option<PortableType> {
    Some(match native {
        "boolean" => PortableType::Bool,
        "smallint" => PortableType::Int16,
        "integer" => PortableType::Int32,
        "bigint" => PortableType::Int64,
        "real" => PortableType::Float32,
        "double precision" => PortableType::Float64,
        "text" => PortableType::Text,
        "bytea" => PortableType::Bytes,
        "date" => PortableType::Date,
        "time without time zone" => PortableType::Time,
        "timestamp without time zone" => PortableType::Timestamp,
        "timestamp with time zone" => PortableType::TimestampTz,
        "uuid" => PortableType::Uuid,
        "jsonb" | "json" => PortableType::Json,
        other => {
            if let Some(n) = other
                .strip_prefix("character varying(")
                .and_then(|r| r.strip_suffix(')'))
            {
                return n.parse().ok().map(|len| PortableType::String { len });
            }
            if let Some(args) = other
                .strip_prefix("numeric(")
                .and_then(|r| r.strip_suffix(')'))
            {
                let (p, s) = args.split_once(',')?;
                return Some(PortableType::Decimal {
                    precision: p.trim().parse().ok()?,
                    scale: s.trim().parse().ok()?,
                });
            }
            return None;
        }
    })
}

/// Whether values of this native type are character strings.
pub fn is_textual(native: &str) -> bool {
    native == "text" || native.starts_with("character")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portable_type_round_trips() {
        for name in [
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
        ] {
            let t: PortableType = name.parse().unwrap();
            assert_eq!(portable(&native(t)), Some(t), "{name}");
        }
    }
}
