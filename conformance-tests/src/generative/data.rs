//! Rows for generated tables: NULLs, edge values (type bounds, leap days, empty and
//! maximum-length strings, quotes and backslashes, unicode), keys that satisfy the table's
//! primary key, UNIQUE and CHECK constraints and foreign keys, and plain reference columns
//! with some orphans for a migration to find.

use fastrand::Rng;
use strata_core::{PortableType, Value};

use super::model::{CheckRule, Table};

/// The smallest integer the generator writes into a column with a CHECK.
pub fn min_generated(_ty: PortableType) -> i64 {
    -1000
}

const TEXTS: &[&str] = &[
    "",
    "a",
    "O'Brien",
    "back\\slash \"quoted\"",
    "héllo wörld ✓",
    "日本語のテキスト",
    "  padded  ",
    "line\nbreak",
    "12",
    "-7",
    "3.5",
    "true",
    "2024-02-29",
    "not a number",
];

const UUIDS: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b",
    "ffffffff-ffff-4fff-bfff-ffffffffffff",
];

fn cut(s: &str, len: u32) -> String {
    s.chars().take(len as usize).collect()
}

/// A value of type `ty`; `edge` favours the type's bounds.
pub fn value(rng: &mut Rng, ty: PortableType, edge: bool) -> Value {
    let pick = |rng: &mut Rng, xs: &[i64]| xs[rng.usize(0..xs.len())];
    match ty {
        PortableType::Bool => Value::Bool(rng.bool()),
        PortableType::Int16 => Value::Int(if edge {
            pick(rng, &[-32768, 32767, 0, -1])
        } else {
            rng.i64(-1000..1000)
        }),
        PortableType::Int32 => Value::Int(if edge {
            pick(rng, &[-2147483648, 2147483647, 0, 40000])
        } else {
            rng.i64(-1000..100000)
        }),
        PortableType::Int64 => Value::Int(if edge {
            pick(rng, &[i64::MIN, i64::MAX, 0, 3_000_000_000])
        } else {
            rng.i64(-1000..10_000_000)
        }),
        PortableType::Float32 => Value::Float([0.5, -2.25, 1024.0, 0.0, 3.75][rng.usize(0..5)]),
        PortableType::Float64 => Value::Float(
            [1.5e10, -0.125, std::f64::consts::PI, 0.0, 1e-7, 123456.789][rng.usize(0..6)],
        ),
        PortableType::Decimal { precision, scale } => {
            let whole = (precision - scale) as usize;
            let int: String = if edge {
                "9".repeat(whole.max(1).min(whole))
            } else {
                rng.u32(0..1000)
                    .to_string()
                    .chars()
                    .take(whole.max(1))
                    .collect()
            };
            let int = if int.is_empty() { "0".to_owned() } else { int };
            let frac = if scale > 0 {
                format!(
                    ".{}",
                    if edge {
                        "9".repeat(scale as usize)
                    } else {
                        "5".repeat(scale as usize)
                    }
                )
            } else {
                String::new()
            };
            let sign = if rng.u8(0..4) == 0 { "-" } else { "" };
            Value::Text(format!("{sign}{int}{frac}"))
        }
        PortableType::String { len } => Value::Text(if edge {
            "ü".repeat(len as usize)
        } else {
            cut(TEXTS[rng.usize(0..TEXTS.len())], len)
        }),
        PortableType::Text => Value::Text(if edge {
            "long ✓ ".repeat(200)
        } else {
            TEXTS[rng.usize(0..TEXTS.len())].to_owned()
        }),
        PortableType::Bytes => Value::Bytes(
            [vec![], vec![0, 1, 255], b"binary\x00data".to_vec()][rng.usize(0..3)].clone(),
        ),
        PortableType::Date => Value::Text(
            ["2024-02-29", "1999-12-31", "2000-01-01", "1970-01-02"][rng.usize(0..4)].into(),
        ),
        PortableType::Time => {
            Value::Text(["23:59:59", "00:00:00", "12:30:45"][rng.usize(0..3)].into())
        }
        PortableType::Timestamp => Value::Text(
            [
                "2024-02-29T23:59:59",
                "1999-12-31T00:00:00",
                "2038-01-19T03:14:07",
            ][rng.usize(0..3)]
            .into(),
        ),
        PortableType::TimestampTz => Value::Text(
            [
                "2024-02-29T23:59:59Z",
                "1999-12-31T12:00:00Z",
                "2038-01-19T03:14:07Z",
            ][rng.usize(0..3)]
            .into(),
        ),
        PortableType::Uuid => Value::Text(UUIDS[rng.usize(0..UUIDS.len())].into()),
        PortableType::Json => Value::Json(
            [
                serde_json::json!({ "a": 1, "b": [true, null], "s": "é" }),
                serde_json::json!({}),
                serde_json::json!({ "n": { "deep": "x" } }),
            ][rng.usize(0..3)]
            .clone(),
        ),
    }
}

/// The `i`-th of a run of distinct values of `ty` (for keys and UNIQUE columns), `None` when
/// the type has too few.
pub fn distinct(ty: PortableType, i: usize) -> Option<Value> {
    let i64v = i as i64;
    Some(match ty {
        PortableType::Int16 | PortableType::Int32 | PortableType::Int64 => Value::Int(i64v + 1),
        PortableType::Float32 | PortableType::Float64 => Value::Float(i as f64 + 0.5),
        PortableType::Decimal { precision, scale } if precision - scale >= 2 => {
            Value::Text(format!("{}{}", i + 1, if scale > 0 { ".5" } else { "" }))
        }
        PortableType::String { len } if len >= 3 => Value::Text(format!("k{i}")),
        PortableType::Text => Value::Text(format!("key {i} ✓")),
        PortableType::Date => Value::Text(format!("2020-01-{:02}", i + 1)),
        PortableType::Timestamp => Value::Text(format!("2020-01-{:02}T10:00:00", i + 1)),
        PortableType::TimestampTz => Value::Text(format!("2020-01-{:02}T10:00:00Z", i + 1)),
        PortableType::Time => Value::Text(format!("10:{:02}:00", i)),
        PortableType::Uuid => Value::Text(format!("00000000-0000-4000-8000-{:012}", i)),
        PortableType::Bytes => Value::Bytes(vec![i as u8, 7]),
        _ => return None,
    })
}

/// Rows for table `t` of `tables` (earlier tables already have theirs).
pub fn rows(rng: &mut Rng, tables: &[Table], t: usize) -> Vec<Vec<Value>> {
    let table = &tables[t];
    let n = rng.usize(0..=6);
    let mut rows: Vec<Vec<Value>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut row = Vec::with_capacity(table.columns.len());
        for c in &table.columns {
            let key_part = table.primary_key.contains(&c.name);
            let unique = table.uniques.iter().any(|u| u.columns == [c.name.clone()]);
            let v = if unique && !key_part {
                distinct(c.ty, i).unwrap_or(Value::Null)
            } else if key_part {
                if c.name == "region" {
                    Value::Text(["eu", "us"][i % 2].into())
                } else {
                    Value::Int(i as i64 + 1)
                }
            } else if let Some(fk) = table
                .foreign_keys
                .iter()
                .find(|f| f.columns == [c.name.clone()])
            {
                let parent_rows: Vec<Value> = if fk.parent == t {
                    rows.iter().map(|r| r[0].clone()).collect()
                } else {
                    let p = &tables[fk.parent];
                    let k = p
                        .columns
                        .iter()
                        .position(|pc| pc.name == fk.parent_columns[0])
                        .unwrap_or(0);
                    p.rows.iter().map(|r| r[k].clone()).collect()
                };
                if parent_rows.is_empty() || rng.u8(0..4) == 0 {
                    Value::Null
                } else {
                    parent_rows[rng.usize(0..parent_rows.len())].clone()
                }
            } else if c.name.ends_with("_ref") {
                // A plain reference: mostly parents' keys, some orphans.
                if rng.u8(0..3) == 0 {
                    Value::Int(900_000 + i as i64)
                } else {
                    Value::Int(rng.i64(1..4))
                }
            } else if rng.u8(0..5) == 0 {
                Value::Null
            } else {
                let edge = rng.u8(0..4) == 0;
                value(rng, c.ty, edge)
            };
            let v = match (&v, c.nullable) {
                (Value::Null, false) => c.default.clone().unwrap_or_else(|| {
                    distinct(c.ty, i).unwrap_or_else(|| value(rng, c.ty, false))
                }),
                _ => v,
            };
            row.push(checked(table, &c.name, v));
        }
        rows.push(row);
    }
    rows
}

/// `v` brought within the table's CHECKs on `column`.
fn checked(table: &Table, column: &str, v: Value) -> Value {
    match table
        .checks
        .iter()
        .find(|k| k.column == column)
        .map(|k| k.rule)
    {
        Some(CheckRule::AtLeast(min)) => match v {
            Value::Int(i) if i < min => Value::Int(min),
            other => other,
        },
        // Blank too: MariaDB compares with trailing spaces ignored, so ' ' = ''.
        Some(CheckRule::NotEmpty) => match v {
            Value::Text(s) if s.trim().is_empty() => Value::Text("x".into()),
            other => other,
        },
        None => v,
    }
}
