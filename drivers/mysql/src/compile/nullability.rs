//! A column definition's nullability, as `set_not_null`, `drop_not_null` and the steps that
//! rewrite a column on MySQL write it.

/// The column's definition with its nullability set.
pub fn with_nullability(def: &str, nullable: bool) -> String {
    let (name, def) = split_name(def);
    format!("{name}{}", nullability_of_rest(def, nullable))
}

/// A column line's leading identifier (`` `o'brien` ``, `` `a``b c` ``) and the rest, so that
/// the clauses are looked for after the name: a quote or ` DEFAULT ` inside a name is no
/// clause (a `o'brien` column once read as the start of a string literal).
pub fn split_name(def: &str) -> (&str, &str) {
    let Some(body) = def.strip_prefix('`') else {
        return def.split_at(def.find(' ').unwrap_or(def.len()));
    };
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            if bytes.get(i + 1) == Some(&b'`') {
                i += 2;
                continue;
            }
            return def.split_at(i + 2);
        }
        i += 1;
    }
    (def, "")
}

/// [`with_nullability`] of the part of a column line after its name.
fn nullability_of_rest(def: &str, nullable: bool) -> String {
    let mut words: Vec<&str> = def.split(' ').collect();
    // Drop `NULL`, `NOT NULL` and `DEFAULT NULL` tokens outside quotes, then add ours.
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    while i < words.len() {
        let w = words[i];
        if w.matches('\'').count() % 2 == 1 {
            quoted = !quoted;
        }
        if !quoted {
            if w == "NOT" && words.get(i + 1) == Some(&"NULL") {
                i += 2;
                continue;
            }
            if w == "DEFAULT" && words.get(i + 1) == Some(&"NULL") {
                i += 2;
                continue;
            }
            if w == "NULL" {
                i += 1;
                continue;
            }
        }
        out.push(w);
        i += 1;
    }
    words = out;
    let null = if nullable { "NULL" } else { "NOT NULL" };
    let def = words.join(" ");
    // Where SHOW CREATE TABLE puts it: before the default, a comment or a column CHECK
    // (MariaDB's JSON columns have one, and nothing may follow it).
    let at = [" DEFAULT ", " ON UPDATE ", " COMMENT ", " CHECK ("]
        .iter()
        .filter_map(|k| def.find(k))
        .min();
    match at {
        Some(at) => format!("{} {null}{}", &def[..at], &def[at..]),
        None => format!("{def} {null}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_nullability;

    #[test]
    fn names_with_quotes_and_keywords_are_no_clauses() {
        assert_eq!(
            with_nullability("`o'brien` longtext DEFAULT NULL", false),
            "`o'brien` longtext NOT NULL"
        );
        assert_eq!(
            with_nullability("`a`` DEFAULT b` int(11) DEFAULT 3 COMMENT 'it''s'", false),
            "`a`` DEFAULT b` int(11) NOT NULL DEFAULT 3 COMMENT 'it''s'"
        );
        assert_eq!(
            crate::compile::defaults::with_default(
                "`x DEFAULT 'y` text DEFAULT 'a b'",
                Some(" DEFAULT 'c'")
            ),
            "`x DEFAULT 'y` text DEFAULT 'c'"
        );
    }

    #[test]
    fn nullability_goes_before_a_column_check() {
        assert_eq!(
            with_nullability("`j` longtext DEFAULT '{}' CHECK (json_valid(`j`))", false),
            "`j` longtext NOT NULL DEFAULT '{}' CHECK (json_valid(`j`))"
        );
        assert_eq!(
            with_nullability("`a` int(11) DEFAULT NULL", false),
            "`a` int(11) NOT NULL"
        );
    }
}
