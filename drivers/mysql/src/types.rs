//! Portable types ↔ MySQL / MariaDB column types (as `information_schema.COLUMNS.COLUMN_TYPE`
//! spells them).

use strata_core::PortableType;

/// The MySQL type for a portable type.
pub fn native(ty: PortableType) -> String {
    match ty {
        PortableType::Bool => "tinyint(1)".into(),
        PortableType::Int16 => "smallint".into(),
        PortableType::Int32 => "int".into(),
        PortableType::Int64 => "bigint".into(),
        PortableType::Float32 => "float".into(),
        PortableType::Float64 => "double".into(),
        PortableType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
        PortableType::String { len } => format!("varchar({len})"),
        PortableType::Text => "longtext".into(),
        PortableType::Bytes => "longblob".into(),
        PortableType::Date => "date".into(),
        PortableType::Time => "time(6)".into(),
        PortableType::Timestamp => "datetime(6)".into(),
        PortableType::TimestampTz => "timestamp(6)".into(),
        PortableType::Uuid => "char(36)".into(),
        PortableType::Json => "json".into(),
    }
}

/// The portable type of a MySQL column type (`int(11)`, `varchar(20)`, `decimal(10,2)`).
/// MariaDB stores `json` as `longtext` with a `json_valid` check: `is_json` says so.
pub fn portable(column_type: &str, is_json: bool) -> Option<PortableType> {
    let t = column_type.trim().to_ascii_lowercase();
    if is_json || t == "json" {
        return Some(PortableType::Json);
    }
    let (base, args) = match t.split_once('(') {
        Some((b, rest)) => (b, rest.split_once(')').map(|(a, _)| a)),
        None => (t.split_whitespace().next().unwrap_or(""), None),
    };
    let num = |s: Option<&str>| s.and_then(|a| a.trim().parse::<u32>().ok());
    Some(match base {
        "tinyint" if args == Some("1") => PortableType::Bool,
        "smallint" => PortableType::Int16,
        "int" | "integer" => PortableType::Int32,
        "bigint" => PortableType::Int64,
        "float" => PortableType::Float32,
        "double" => PortableType::Float64,
        "decimal" => {
            let (p, s) = args?.split_once(',').map_or((args?, "0"), |(p, s)| (p, s));
            PortableType::Decimal {
                precision: p.trim().parse().ok()?,
                scale: s.trim().parse().ok()?,
            }
        }
        "varchar" => PortableType::String { len: num(args)? },
        "char" if args == Some("36") => PortableType::Uuid,
        "longtext" | "text" | "mediumtext" => PortableType::Text,
        "longblob" | "blob" | "mediumblob" => PortableType::Bytes,
        "date" => PortableType::Date,
        "time" => PortableType::Time,
        "datetime" => PortableType::Timestamp,
        "timestamp" => PortableType::TimestampTz,
        _ => return None,
    })
}

/// Whether values of this column type are character strings.
pub fn is_textual(column_type: &str) -> bool {
    let t = column_type.to_ascii_lowercase();
    [
        "char",
        "varchar",
        "text",
        "tinytext",
        "mediumtext",
        "longtext",
        "enum",
        "set",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portable_type_round_trips() {
        for t in PortableType::one_of_each() {
            assert_eq!(portable(&native(t), false), Some(t), "{t}");
        }
        assert_eq!(portable("int(11)", false), Some(PortableType::Int32));
        assert_eq!(
            portable("bigint(20) unsigned", false),
            Some(PortableType::Int64)
        );
        assert_eq!(portable("longtext", true), Some(PortableType::Json));
    }
}
