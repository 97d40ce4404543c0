//! Which identifiers of a statement name a given column or table. CHECK, generated-column and
//! index expressions can name only columns of their own table (no subqueries), so reading
//! their tokens is exact there: a name is a column unless it is called (`f(`), qualifies
//! (`t.`), follows `COLLATE` or `CAST(… AS`. For views and triggers, which can name anything,
//! strata only asks whether a name occurs at all, and treats an occurrence as a use.

use std::ops::Range;

use super::lexer::{dequote, same_name, significant, Kind, Token};

fn is_identifier(t: &Token) -> bool {
    matches!(t.kind, Kind::Word | Kind::Quoted)
}

/// The tokens within `range` of `sql` that name column `column` of table `table`.
pub fn column_refs(sql: &str, range: Range<usize>, table: &str, column: &str) -> Vec<Range<usize>> {
    let Ok(tokens) = significant(sql) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.span.start < range.start || t.span.end > range.end || !is_identifier(t) {
            continue;
        }
        if !same_name(&dequote(t.text(sql)), column) {
            continue;
        }
        let next = tokens.get(i + 1);
        if next.is_some_and(|n| n.is_punct(sql, "(") || n.is_punct(sql, ".")) {
            continue;
        }
        let prev = i.checked_sub(1).map(|j| &tokens[j]);
        if prev.is_some_and(|p| p.is_word(sql, "COLLATE") || p.is_word(sql, "AS")) {
            continue;
        }
        if prev.is_some_and(|p| p.is_punct(sql, ".")) {
            let qualifier = i.checked_sub(2).map(|j| &tokens[j]);
            if !qualifier
                .is_some_and(|q| is_identifier(q) && same_name(&dequote(q.text(sql)), table))
            {
                continue;
            }
        }
        out.push(t.span.clone());
    }
    out
}

/// The tokens within `range` that qualify a column with the table's name (`t.col`): the
/// qualifier's span.
pub fn table_qualifiers(sql: &str, range: Range<usize>, table: &str) -> Vec<Range<usize>> {
    let Ok(tokens) = significant(sql) else {
        return Vec::new();
    };
    tokens
        .windows(2)
        .filter(|w| {
            w[0].span.start >= range.start
                && w[1].span.end <= range.end
                && is_identifier(&w[0])
                && w[1].is_punct(sql, ".")
                && same_name(&dequote(w[0].text(sql)), table)
        })
        .map(|w| w[0].span.clone())
        .collect()
}

/// Whether `name` occurs as an identifier anywhere in `sql` (from byte `from` on).
pub fn mentions(sql: &str, from: usize, name: &str) -> bool {
    significant(sql).is_ok_and(|tokens| {
        tokens.iter().any(|t| {
            t.span.start >= from && is_identifier(t) && same_name(&dequote(t.text(sql)), name)
        })
    })
}

/// How each identifier of `sql` that spells `name` is written (`users`, `"users"`, `[Users]`).
pub fn spellings<'a>(sql: &'a str, name: &str) -> Vec<&'a str> {
    significant(sql).map_or_else(
        |_| Vec::new(),
        |tokens| {
            tokens
                .iter()
                .filter(|t| is_identifier(t) && same_name(&dequote(t.text(sql)), name))
                .map(|t| t.text(sql))
                .collect()
        },
    )
}

/// `CREATE [UNIQUE] INDEX … ON table (…)` or `CREATE TRIGGER … ON table …`: the table's name
/// token after the first `ON`, and where the rest of the statement starts.
pub fn target(sql: &str) -> Option<(Range<usize>, String)> {
    let tokens = significant(sql).ok()?;
    let on = tokens.iter().position(|t| t.is_word(sql, "ON"))?;
    let mut at = on + 1;
    // A schema-qualified target names the table after the dot.
    if tokens.get(at + 1).is_some_and(|t| t.is_punct(sql, ".")) {
        at += 2;
    }
    let t = tokens.get(at).filter(|t| t.is_name())?;
    Some((t.span.clone(), dequote(t.text(sql))))
}

/// Edits `sql` by replacing each span (they must not overlap) with what `with` makes of it.
pub fn replace_spans(
    sql: &str,
    mut spans: Vec<Range<usize>>,
    with: impl Fn(&Range<usize>) -> String,
) -> String {
    spans.sort_by_key(|r| r.start);
    spans.dedup();
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for r in spans {
        out.push_str(&sql[at..r.start]);
        out.push_str(&with(&r));
        at = r.end;
    }
    out.push_str(&sql[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs<'a>(sql: &'a str, table: &str, column: &str) -> Vec<&'a str> {
        column_refs(sql, 0..sql.len(), table, column)
            .into_iter()
            .map(|r| &sql[r])
            .collect()
    }

    #[test]
    fn columns_not_functions_types_collations_or_other_tables() {
        let sql = "length(amount) < 20 AND \"amount\" <> 'amount' AND CAST(x AS amount) AND y COLLATE amount AND amount(1) AND o.amount AND other.amount AND [AMOUNT]";
        assert_eq!(
            refs(sql, "o", "amount"),
            ["amount", "\"amount\"", "amount", "[AMOUNT]"]
        );
    }

    #[test]
    fn qualifiers_of_the_table() {
        let sql = "CHECK (orders.a > 0 AND \"ORDERS\".b AND other.orders)";
        let q: Vec<&str> = table_qualifiers(sql, 0..sql.len(), "orders")
            .into_iter()
            .map(|r| &sql[r])
            .collect();
        assert_eq!(q, ["orders", "\"ORDERS\""]);
    }

    #[test]
    fn mentions_skip_strings_and_comments() {
        let sql = "SELECT a FROM t WHERE b = 'status' -- status\n";
        assert!(!mentions(sql, 0, "status"));
        assert!(mentions(sql, 0, "B"));
        assert!(!mentions(sql, 10, "a"));
    }

    #[test]
    fn spellings_as_written() {
        let sql = "SELECT users.a, \"users\".b, [Users].c, 'users' FROM users";
        assert_eq!(
            spellings(sql, "USERS"),
            ["users", "\"users\"", "[Users]", "users"]
        );
    }

    #[test]
    fn targets_of_indexes_and_triggers() {
        let (span, name) = target("CREATE INDEX i ON main.[Orders] (a)").unwrap();
        assert_eq!((span, name.as_str()), (23..31, "Orders"));
        let (_, name) =
            target("CREATE TRIGGER t AFTER UPDATE OF a ON o BEGIN SELECT 1; END").unwrap();
        assert_eq!(name, "o");
    }

    #[test]
    fn spans_are_replaced_in_place() {
        assert_eq!(
            replace_spans("a b a", vec![4..5, 0..1], |_| "xy".into()),
            "xy b xy"
        );
    }
}
