//! What writing one value into many rows must not break: a `backfill`, a `set_not_null`
//! fill. The same constant in every matching row collides with itself under a UNIQUE key,
//! and a value no parent row holds breaks a foreign key; the server would stop the write
//! half way. These are the counts, in SQL every SQL engine runs, that say so first: each must
//! be 0. A driver counts them in the plan, and checks them again right before the write.

use crate::action::{Action, ActionKind, Statement};
use crate::counter::{CountSource, Counter};
use crate::planning::Analysis;
use crate::refusal::{Refusal, RefusalKind};
use crate::schema::{ConstraintKind, Snapshot, Table};
use crate::{QualifiedName, Result};

/// How a driver quotes names.
#[derive(Clone, Copy)]
pub struct Quoting {
    /// A column name.
    pub ident: fn(&str) -> String,
    /// A table name.
    pub table: fn(&QualifiedName) -> String,
}

impl Quoting {
    /// The child rows (aliased `c`) whose complete key `columns` matches no row of `parent`
    /// (aliased `p`) on `references`: the orphans of a foreign key. A key with a NULL column
    /// references nothing, so it is no orphan.
    pub fn orphan_filter(
        &self,
        parent: &QualifiedName,
        columns: &[String],
        references: &[String],
    ) -> String {
        let present: Vec<String> = columns
            .iter()
            .map(|c| format!("c.{} IS NOT NULL", (self.ident)(c)))
            .collect();
        let matches: Vec<String> = columns
            .iter()
            .zip(references)
            .map(|(c, p)| format!("p.{} = c.{}", (self.ident)(p), (self.ident)(c)))
            .collect();
        format!(
            "{} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
            present.join(" AND "),
            (self.table)(parent),
            matches.join(" AND ")
        )
    }
}

/// One count that must be 0, and what it means when it is not.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// `SELECT <count> …`.
    pub count: String,
    /// The refusal when the count is not 0.
    pub refusal: String,
}

/// The unique keys of `t` (primary key, unique constraints, unique indexes) that contain a
/// written column.
fn unique_keys<'a>(t: &'a Table, written: &[&str]) -> Vec<(&'a str, &'a [String])> {
    let mut keys: Vec<(&str, &[String])> = Vec::new();
    if !t.primary_key.is_empty() {
        keys.push(("primary key", &t.primary_key));
    }
    for c in &t.constraints {
        if c.kind == ConstraintKind::Unique {
            keys.push((&c.name, &c.columns));
        }
    }
    for i in t.indexes.iter().filter(|i| i.unique) {
        keys.push((&i.name, &i.columns));
    }
    keys.retain(|(_, cols)| cols.iter().any(|c| written.contains(&c.as_str())));
    keys.dedup_by(|a, b| a.1 == b.1);
    keys
}

/// The counts that must be 0 before `writes` (column → SQL value) go into the rows of `t`
/// (aliased `c`) that `filter` selects (`None`: every row, whose values may then be of a new
/// type), against the schema `snapshot`.
pub fn conflicts(
    snapshot: &Snapshot,
    t: &Table,
    writes: &[(String, String)],
    filter: Option<&str>,
    q: Quoting,
) -> Vec<Conflict> {
    let written: Vec<&str> = writes.iter().map(|(c, _)| c.as_str()).collect();
    let value_of = |column: &str| {
        let quoted = format!("c.{}", (q.ident)(column));
        match (writes.iter().find(|(c, _)| c == column), filter) {
            (Some((_, v)), Some(f)) => format!("CASE WHEN {f} THEN {v} ELSE {quoted} END"),
            (Some((_, v)), None) => v.clone(),
            (None, _) => quoted,
        }
    };
    let mut out = Vec::new();
    for (name, columns) in unique_keys(t, &written) {
        let exprs: Vec<String> = columns.iter().map(|c| value_of(c)).collect();
        let present: Vec<String> = exprs.iter().map(|e| format!("({e}) IS NOT NULL")).collect();
        out.push(Conflict {
            count: format!(
                "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} c WHERE {} GROUP BY {} HAVING COUNT(*) > 1) d",
                (q.table)(&t.name),
                present.join(" AND "),
                exprs.join(", ")
            ),
            refusal: format!(
                "the value written into {} would repeat a key of {name} ({}) of \"{}\"; write it into fewer rows, or drop the key first",
                written.join(", "),
                columns.join(", "),
                t.name
            ),
        });
    }
    for fk in t
        .constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::ForeignKey)
        .filter(|c| c.columns.iter().any(|k| written.contains(&k.as_str())))
    {
        let Some(parent) = fk.references.as_ref().and_then(|p| snapshot.table(p)) else {
            continue;
        };
        // The referenced columns its definition names, else the parent's primary key (what a
        // key without a column list references, and what a key added earlier in the plan,
        // which has no definition text yet, is taken to reference).
        let referenced = referenced_columns(&fk.definition).unwrap_or(parent.primary_key.clone());
        if referenced.len() != fk.columns.len()
            || !referenced.iter().all(|r| parent.column(r).is_some())
        {
            continue;
        }
        let exprs: Vec<String> = fk.columns.iter().map(|c| value_of(c)).collect();
        let matched: Vec<String> = referenced
            .iter()
            .zip(&exprs)
            .map(|(p, e)| format!("p.{} = ({e})", (q.ident)(p)))
            .collect();
        let present: Vec<String> = exprs.iter().map(|e| format!("({e}) IS NOT NULL")).collect();
        out.push(Conflict {
            count: format!(
                "SELECT COUNT(*) FROM {} c WHERE ({}) AND {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                (q.table)(&t.name),
                filter.unwrap_or("1 = 1"),
                present.join(" AND "),
                (q.table)(&parent.name),
                matched.join(" AND ")
            ),
            refusal: format!(
                "the value written into {} references no row of \"{}\", so foreign key {} would break; write a key that exists",
                written.join(", "),
                parent.name,
                fk.name
            ),
        });
    }
    out
}

/// The columns a foreign key's definition references: `ref_columns` of a JSON definition
/// (MongoDB's relations), or the list right after the table name in `REFERENCES t (a, b)`;
/// `None` when it names none (`REFERENCES t` references the primary key).
fn referenced_columns(definition: &str) -> Option<Vec<String>> {
    if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(definition) {
        let cols = o.get("ref_columns")?.as_array()?;
        return cols.iter().map(|c| c.as_str().map(str::to_owned)).collect();
    }
    let at = definition.to_ascii_uppercase().find("REFERENCES")? + "REFERENCES".len();
    let rest = definition[at..].trim_start();
    // Skip the (possibly quoted, possibly qualified) table name.
    let mut chars = rest.char_indices().peekable();
    let mut end = rest.len();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                for (_, d) in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            '(' => {
                end = i;
                break;
            }
            c if c.is_whitespace() => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let list = rest[end..].trim_start().strip_prefix('(')?;
    let close = list.find(')')?;
    Some(
        list[..close]
            .split(',')
            .map(|c| unquote(c.trim()))
            .filter(|c| !c.is_empty())
            .collect(),
    )
}

/// An identifier without its quotes (`"a""b"` → `a"b`, `` `x` `` → `x`, `[y]` → `y`).
fn unquote(s: &str) -> String {
    for (open, close) in [('"', '"'), ('`', '`'), ('[', ']')] {
        if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            let doubled = format!("{close}{close}");
            return inner.replace(&doubled, &close.to_string());
        }
    }
    s.to_owned()
}

/// Refuses, in `analysis`, each of `conflicts` whose count on the live data is not 0. These
/// are not fused counts: nothing runs while `counter` only records.
pub async fn refuse<S: CountSource + ?Sized>(
    counter: &Counter<'_, S>,
    conflicts: Vec<Conflict>,
    analysis: &mut Analysis,
) -> Result<()> {
    if counter.is_recording() {
        return Ok(());
    }
    for c in conflicts {
        let n = counter.source.counts(&c.count).await?;
        if n.first().copied().unwrap_or(0) != 0 {
            analysis
                .refusals
                .push(Refusal::new(RefusalKind::Conflict, c.refusal));
        }
    }
    Ok(())
}

/// `conflicts` as checks of step `step` right before its write into `table`, for a table the
/// plan could not count (created or changed by an earlier step).
pub fn checks(step: usize, table: &QualifiedName, conflicts: Vec<Conflict>) -> Vec<Action> {
    conflicts
        .into_iter()
        .map(|c| {
            Action::check(
                step,
                ActionKind::Check,
                format!("the written value breaks no key of {table}"),
                Statement::Sql(c.count),
                0,
                c.refusal,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referenced_columns_are_read_from_definitions() {
        let cases = [
            (
                "FOREIGN KEY (user_id) REFERENCES users(id)",
                Some(vec!["id"]),
            ),
            (
                "FOREIGN KEY (`a`, `b`) REFERENCES `p` (`x`, `y`) ON DELETE CASCADE",
                Some(vec!["x", "y"]),
            ),
            (
                "FOREIGN KEY (code) REFERENCES \"my schema\".\"par ent\" (\"co\"\"de\")",
                Some(vec!["co\"de"]),
            ),
            ("FOREIGN KEY (a) REFERENCES p ON DELETE SET NULL (a)", None),
            (
                "CONSTRAINT f FOREIGN KEY (a) REFERENCES [p]([k])",
                Some(vec!["k"]),
            ),
            (
                r#"{"name":"f","columns":["a"],"references":"p","ref_columns":["code"]}"#,
                Some(vec!["code"]),
            ),
            ("", None),
        ];
        for (definition, want) in cases {
            let want = want.map(|w| w.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(referenced_columns(definition), want, "{definition}");
        }
    }
    use crate::schema::{Column, Constraint, Index};

    fn column(name: &str) -> Column {
        Column::plain(name, "int")
    }

    #[test]
    fn a_constant_into_a_unique_column_and_a_key_column_is_counted() {
        let mut parent = Table::new(QualifiedName::new("p"));
        parent.primary_key = vec!["id".into()];
        parent.columns = vec![column("id")].into();
        let mut t = Table::new(QualifiedName::new("t"));
        t.columns = vec![column("id"), column("code"), column("p_id")].into();
        t.primary_key = vec!["id".into()];
        t.indexes.push(Index {
            name: "t_code".into(),
            columns: vec!["code".into()],
            unique: true,
            definition: String::new(),
            valid: true,
        });
        t.constraints.push(Constraint {
            name: "t_p".into(),
            kind: ConstraintKind::ForeignKey,
            columns: vec!["p_id".into()],
            references: Some(QualifiedName::new("p")),
            definition: String::new(),
            validated: true,
        });
        let mut snapshot = Snapshot::default();
        snapshot.tables.insert("p".into(), parent.into());
        snapshot.tables.insert("t".into(), t.clone().into());
        let q = Quoting {
            ident: |n| format!("\"{n}\""),
            table: |n| format!("\"{}\"", n.name),
        };
        let writes = [
            ("code".to_owned(), "7".to_owned()),
            ("p_id".to_owned(), "9".to_owned()),
        ];
        let found = conflicts(&snapshot, &t, &writes, Some("c.\"code\" IS NULL"), q);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].count.contains(
            "GROUP BY CASE WHEN c.\"code\" IS NULL THEN 7 ELSE c.\"code\" END HAVING COUNT(*) > 1"
        ));
        assert!(found[1].count.contains("NOT EXISTS (SELECT 1 FROM \"p\" p WHERE p.\"id\" = (CASE WHEN c.\"code\" IS NULL THEN 9 ELSE c.\"p_id\" END))"));
        assert!(found[1].refusal.contains("foreign key t_p"));
    }
}
