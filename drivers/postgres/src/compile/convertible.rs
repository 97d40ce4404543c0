//! Which values a type change refuses, decided by native SQL instead of a cast tried value by
//! value.
//!
//! A value is *incompatible* when PostgreSQL's cast to the new type fails, or when the value
//! would change: a text value truncated by a shorter `string(n)`, a number rounded (from a
//! number or from its text: `1.005` to `numeric(6,2)`, as on the other engines), a timestamp
//! losing its time. The reference for that is the session-temporary probe
//! ([`CAST_PROBE`]): a plpgsql function that runs the cast with `EXECUTE` inside an `EXCEPTION`
//! block — a subtransaction per value, 10 µs a row. [`fails`] decides the common pairs with
//! expressions the executor evaluates in the scan, in the shape
//!
//! ```sql
//! CASE WHEN v IS NULL THEN false
//!      WHEN v ~ '<the form every version parses the same way>' THEN <exact range check>
//!      WHEN v ~ '<a character no version's input function accepts>' THEN true
//!      ELSE <the probe> END
//! ```
//!
//! so the probe runs only for the odd values (an underscore or a `0x` prefix PostgreSQL 16
//! accepts in an integer, `NaN` for a numeric, a date written in words) and a pair without a
//! native form keeps it for every value. Each form is tested against the probe on the
//! server, over edge values (whitespace, signs, exponents, overflow by one, leap days,
//! unicode digits): `tests/convertible.rs`.
//!
//! Whitespace is spelled `[ \t\n\r\f\v]`: the input functions skip the bytes C's `isspace`
//! accepts, where the regular expression `\s` would accept unicode spaces too.

use crate::sql::string;
use crate::types;

/// Creates the session-temporary conversion probe. Re-created by every statement that uses it,
/// so a resumed run in a new session has it too.
pub const CAST_PROBE: &str = "CREATE OR REPLACE FUNCTION pg_temp.strata_cast_fails(v text, src text, dst text, src_textual boolean, dst_textual boolean)
RETURNS boolean LANGUAGE plpgsql AS $strata$
DECLARE r text; same boolean;
BEGIN
  IF v IS NULL THEN RETURN false; END IF;
  IF src_textual THEN
    EXECUTE format('SELECT ((%L)::%s)::%s::text', v, src, dst) INTO r;
    IF dst LIKE 'numeric(%' THEN
      EXECUTE format('SELECT ((%L)::%s)::%s = ((%L)::%s)::numeric', v, src, dst, v, src) INTO same;
      RETURN NOT coalesce(same, false);
    END IF;
    RETURN dst_textual AND r IS DISTINCT FROM v;
  END IF;
  EXECUTE format('SELECT ((((%L)::%s)::%s)::%s)::text = ((%L)::%s)::text', v, src, dst, src, v, src) INTO same;
  RETURN NOT coalesce(same, false);
EXCEPTION WHEN others THEN RETURN true;
END $strata$";

const WS: &str = r"[ \t\n\r\f\v]*";

/// The probe's verdict on `value` (an SQL expression) converted from `from` to `to`, value by
/// value. Needs [`CAST_PROBE`] in the session.
pub fn probe(value: &str, from: &str, to: &str) -> String {
    format!(
        "pg_temp.strata_cast_fails({value}::text, {}, {}, {}, {})",
        string(from),
        string(to),
        types::is_textual(from),
        types::is_textual(to)
    )
}

/// The conversions of one server: what its input functions read depends on its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Casts {
    /// `server_version_num` (150004 for 15.4).
    pub version_num: u32,
}

impl Casts {
    /// True for a `value` (an SQL expression of type `from`) that converting to `to` refuses,
    /// false for one it converts unchanged and for NULL. Native where the pair has a native
    /// form; the statement needs [`CAST_PROBE`] in the session whenever [`Casts::needs_probe`]
    /// says so.
    ///
    /// From PostgreSQL 16, text to any type that is not a string is `pg_input_is_valid`,
    /// which asks the type's input function itself (the cast from text is that function).
    /// Before 16, a decimal integer is decided entirely natively (no other form reads as an
    /// integer there): a predicate that calls the probe keeps the scan from running in
    /// parallel, the probe being parallel-unsafe.
    pub fn fails(&self, value: &str, from: &str, to: &str) -> String {
        // `character(n)` keeps its padding through the cast (`uuid` refuses it) but loses it
        // as text: only the probe, which casts from the column's own type, reads it right.
        if padded(from) && from != to {
            return probe(value, from, to);
        }
        if self.version_num >= 160000 && types::is_textual(from) && !types::is_textual(to) {
            let invalid = format!("NOT pg_input_is_valid({value}::text, {})", string(to));
            // The input function rounds a number to the type's scale: one that rounds would
            // change, and is incompatible.
            let rounds = numeric_modifier(to).map(|(_, s)| {
                format!("round(({value}::text)::numeric, {s}) <> ({value}::text)::numeric")
            });
            return match rounds {
                Some(rounds) => case(value, &[(invalid, "true".into())], rounds),
                None => case(value, &[], invalid),
            };
        }
        native(value, from, to, self.version_num).unwrap_or_else(|| probe(value, from, to))
    }

    /// Whether [`Casts::fails`] for the pair calls the probe for some values.
    pub fn needs_probe(&self, from: &str, to: &str) -> bool {
        self.fails("v", from, to)
            .contains("pg_temp.strata_cast_fails")
    }

    /// What a statement using [`Casts::fails`] for the pair starts with: the probe's
    /// creation where it is called, nothing where the pair is native (no temporary function
    /// is made in the session then).
    pub fn prelude(&self, from: &str, to: &str) -> String {
        if self.needs_probe(from, to) {
            format!("{CAST_PROBE};\n")
        } else {
            String::new()
        }
    }
}

/// `character(n)`, blank-padded.
fn padded(native: &str) -> bool {
    native == "character" || native.starts_with("character(")
}

/// `(low, high)` of an integer type.
fn integer_range(native: &str) -> Option<(i64, i64)> {
    Some(match native {
        "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "integer" => (i32::MIN.into(), i32::MAX.into()),
        "bigint" => (i64::MIN, i64::MAX),
        _ => return None,
    })
}

/// `(precision, scale)` of `numeric(p,s)`; `None` for any other type.
fn numeric_modifier(native: &str) -> Option<(i64, i64)> {
    let args = native.strip_prefix("numeric(")?.strip_suffix(')')?;
    let (p, s) = args.split_once(',')?;
    Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
}

/// `n` of `character varying(n)`.
fn varchar_length(native: &str) -> Option<i64> {
    native
        .strip_prefix("character varying(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

/// The source types whose text form converts back to the same value (`v::text::src` gives
/// `v`, and its text is `v::text` again).
fn exact_text(native: &str) -> bool {
    integer_range(native).is_some()
        || native == "numeric"
        || numeric_modifier(native).is_some()
        || ["boolean", "date", "uuid", "timestamp without time zone"].contains(&native)
}

fn case(value: &str, arms: &[(String, String)], otherwise: String) -> String {
    let mut sql = format!("(CASE WHEN {value} IS NULL THEN false");
    for (when, then) in arms {
        sql.push_str(&format!(" WHEN {when} THEN {then}"));
    }
    sql.push_str(&format!(" ELSE {otherwise} END)"));
    sql
}

/// `value ~ pattern`, on its text in the "C" collation: a column of a nondeterministic
/// collation takes no regular expression, and the input functions read bytes anyway.
fn matches(value: &str, pattern: &str) -> String {
    format!("{} ~ {}", c_text(value), string(pattern))
}

fn c_text(value: &str) -> String {
    format!("({value})::text COLLATE \"C\"")
}

/// `value BETWEEN low AND high` is false: out of `to`'s range.
fn out_of(value: &str, (low, high): (i64, i64)) -> String {
    format!("{value} NOT BETWEEN {low} AND {high}")
}

fn native(v: &str, from: &str, to: &str, version_num: u32) -> Option<String> {
    if from == to {
        return Some("false".into());
    }
    let probe = probe(v, from, to);
    if types::is_textual(from) {
        return from_text(v, to, probe, version_num);
    }
    if !exact_text(from) {
        return None;
    }
    // Every value of these types has a text form; a string type keeps it unless too long.
    if to == "text" || to == "character varying" {
        return Some("false".into());
    }
    // A text form that fits converts back unchanged; one cut short may too (`false` cut to
    // `fals` still reads as false): the probe tells.
    if let Some(n) = varchar_length(to) {
        return Some(case(
            v,
            &[(format!("char_length({v}::text) <= {n}"), "false".into())],
            probe,
        ));
    }
    let from_integer = integer_range(from);
    let from_numeric = from == "numeric" || numeric_modifier(from).is_some();
    if let (Some(range), true) = (integer_range(to), from_integer.is_some() || from_numeric) {
        // An integer narrows only by range; a numeric also loses its fraction — for an
        // unconstrained one even a zero fraction, which the value shows (`1.0` comes back
        // `1`); NaN and the infinities sort above every number: out of range.
        let fraction = match from {
            "numeric" => format!("scale({v}) > 0 OR "),
            _ if from_numeric => format!("{v} <> trunc({v}) OR "),
            _ => String::new(),
        };
        return Some(format!("coalesce({fraction}{}, false)", out_of(v, range)));
    }
    if let (Some(_), Some((p, s))) = (from_integer, numeric_modifier(to)) {
        return Some(format!("coalesce(abs({v}::numeric) >= 1e{}, false)", p - s));
    }
    if from_integer.is_some() && to == "numeric" {
        return Some("false".into());
    }
    if from == "timestamp without time zone" && to == "date" {
        return Some(format!("coalesce({v} <> date_trunc('day', {v}), false)"));
    }
    None
}

/// Text to `to`: the cast is `to`'s input function, whose grammar the forms below follow.
fn from_text(v: &str, to: &str, probe: String, version_num: u32) -> Option<String> {
    if to == "text" || to == "character varying" {
        return Some("false".into());
    }
    if let Some(n) = varchar_length(to) {
        return Some(format!("coalesce(char_length({v}) > {n}, false)"));
    }
    // A decimal integer is read alike by every version; PostgreSQL 16 also reads `0x1F`,
    // `0o17`, `0b101` and `1_000` (left to the probe there), earlier ones nothing else. Any
    // other character fails everywhere.
    if let Some(range) = integer_range(to) {
        let odd = if version_num < 160000 {
            "true".to_owned()
        } else {
            probe
        };
        // Digits few enough to be in range whatever they are decide without the numeric cast
        // (most values); more digits are compared with the range.
        let safe_digits = range.1.to_string().len() - 1;
        return Some(case(
            v,
            &[
                (
                    matches(v, &format!("^{WS}[+-]?[0-9]{{1,{safe_digits}}}{WS}$")),
                    "false".into(),
                ),
                (
                    matches(v, &format!("^{WS}[+-]?[0-9]+{WS}$")),
                    out_of(&format!("{v}::numeric"), range),
                ),
                (
                    matches(v, r"[^0-9a-fA-FxXoO_+ \t\n\r\f\v-]|^[ \t\n\r\f\v]*$"),
                    "true".into(),
                ),
            ],
            odd,
        ));
    }
    let numeric = numeric_modifier(to);
    if to == "numeric" || numeric.is_some() {
        // Held to the digits left of the point once rounded to the scale, and a value that
        // rounds would change: incompatible, as from a number and on every engine.
        let fits = match numeric {
            Some((p, s)) => format!(
                "(abs(round({v}::numeric, {s})) >= 1e{} OR round({v}::numeric, {s}) <> {v}::numeric)",
                p - s
            ),
            None => "false".into(),
        };
        return Some(case(
            v,
            &[
                (
                    matches(
                        v,
                        &format!(
                            r"^{WS}[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{{1,3}})?{WS}$"
                        ),
                    ),
                    fits,
                ),
                (
                    matches(
                        v,
                        r"[^0-9a-fA-FxXoOnNiItTyY._+ \t\n\r\f\v-]|^[ \t\n\r\f\v]*$",
                    ),
                    "true".into(),
                ),
            ],
            probe,
        ));
    }
    match to {
        "boolean" => Some(case(
            v,
            &[],
            format!(
                "{} !~* {}",
                c_text(v),
                string(&format!(
                    "^{WS}(t|tr|tru|true|y|ye|yes|on|of|off|f|fa|fal|fals|false|n|no|1|0){WS}$"
                ))
            ),
        )),
        "uuid" => {
            let hex = "[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}";
            Some(case(
                v,
                &[],
                format!(
                    "{} !~ {}",
                    c_text(v),
                    string(&format!(r"^({hex}|\{{{hex}\}})$"))
                ),
            ))
        }
        "date" | "timestamp without time zone" | "timestamp with time zone" => {
            // ISO 8601 reads the same under every DateStyle; its year 0001 to 9999, a real
            // day of a real month (29 February of leap years), an optional time of day.
            let time = if to == "date" {
                String::new()
            } else {
                r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?".into()
            };
            let iso =
                format!("^{WS}[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){time}{WS}$");
            let t = format!("btrim({v}, E' \\t\\n\\r\\f\\v')");
            let (y, m, d) = (
                format!("substr({t}, 1, 4)::int"),
                format!("substr({t}, 6, 2)::int"),
                format!("substr({t}, 9, 2)::int"),
            );
            let leap = format!("({y} % 4 = 0 AND ({y} % 100 <> 0 OR {y} % 400 = 0))");
            let last_day = format!(
                "CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
            );
            // (Nested, not `AND`: the server may evaluate either side of an `AND` first.)
            Some(case(
                v,
                &[(
                    matches(v, &iso),
                    format!("CASE WHEN {y} < 1 THEN {probe} ELSE {d} > {last_day} END"),
                )],
                probe,
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG15: Casts = Casts {
        version_num: 150004,
    };

    fn fails(v: &str, from: &str, to: &str) -> String {
        PG15.fails(v, from, to)
    }

    #[test]
    fn common_pairs_are_native_and_the_rest_keep_the_probe() {
        for (from, to) in [
            ("text", "integer"),
            ("character varying(20)", "bigint"),
            ("text", "numeric(10,2)"),
            ("text", "boolean"),
            ("text", "uuid"),
            ("text", "character varying(5)"),
            ("bigint", "integer"),
            ("numeric", "smallint"),
            ("integer", "numeric(5,2)"),
            ("integer", "text"),
        ] {
            assert_ne!(
                fails("c.x", from, to),
                probe("c.x", from, to),
                "{from} → {to}"
            );
        }
        // Every value may go to the probe (no native form), or only the odd ones.
        assert_eq!(fails("c.x", "text", "jsonb"), probe("c.x", "text", "jsonb"));
        assert!(!PG15.needs_probe("text", "integer"));
        assert!(PG15.needs_probe("text", "numeric(10,2)"));
        assert!(!PG15.needs_probe("text", "boolean"));
        assert!(!PG15.needs_probe("bigint", "integer"));
        let pg16 = Casts {
            version_num: 160002,
        };
        assert!(pg16
            .fails("v", "text", "integer")
            .contains("pg_input_is_valid"));
        assert!(!pg16.needs_probe("text", "date"));
    }
}
