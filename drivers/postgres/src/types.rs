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
        for t in PortableType::one_of_each() {
            assert_eq!(portable(&native(t)), Some(t), "{t}");
        }
    }
}

/// Whether PostgreSQL casts a value of native type `from` to `to` (`pg_cast`, or the
/// conversion through text that every type has to and from a string type), for the native
/// types strata maps portable ones to; an unknown type is taken to cast.
pub fn cast_exists(from: &str, to: &str) -> bool {
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_owned();
    let (f, t) = (base(from), base(to));
    if f == t || is_textual(from) || is_textual(to) {
        return true;
    }
    const NUMBERS: [&str; 6] = [
        "smallint",
        "integer",
        "bigint",
        "real",
        "double precision",
        "numeric",
    ];
    const TIMES: [&str; 2] = ["timestamp without time zone", "timestamp with time zone"];
    let known = NUMBERS.iter().chain(TIMES.iter()).chain(
        [
            "boolean",
            "bytea",
            "date",
            "time without time zone",
            "uuid",
            "jsonb",
            "json",
        ]
        .iter(),
    );
    if !known.clone().any(|k| *k == f) || !known.clone().any(|k| *k == t) {
        return true;
    }
    let number = |x: &str| NUMBERS.contains(&x);
    match (f.as_str(), t.as_str()) {
        (a, b) if number(a) && number(b) => true,
        ("boolean", "integer") | ("integer", "boolean") => true,
        ("jsonb", b) => number(b) || b == "boolean" || b == "json",
        ("json", "jsonb") => true,
        ("date", b) => TIMES.contains(&b),
        (a, "date") | (a, "time without time zone") => TIMES.contains(&a),
        (a, b) => TIMES.contains(&a) && TIMES.contains(&b),
    }
}

#[cfg(test)]
mod cast_tests {
    use super::cast_exists;

    #[test]
    fn casts_are_known_for_the_portable_native_types() {
        assert!(cast_exists("jsonb", "boolean"));
        assert!(!cast_exists("boolean", "jsonb"));
        assert!(cast_exists("numeric(10,2)", "integer"));
        assert!(!cast_exists("numeric(9,2)", "date"));
        assert!(cast_exists("bytea", "text"));
        assert!(!cast_exists("bytea", "integer"));
        assert!(cast_exists("date", "timestamp with time zone"));
        assert!(!cast_exists("uuid", "integer"));
    }
}
