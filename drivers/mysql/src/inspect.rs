//! Reading the live schema of the connection's database from `information_schema` and
//! `SHOW CREATE TABLE`, whose lines give every column, key and constraint exactly as the server
//! would re-create them.

use std::collections::BTreeMap;

use strata_core::schema::{
    Column, Constraint, ConstraintKind, Index, Sequence, Snapshot, Table, Trigger,
};
use strata_core::{QualifiedName, Result, HISTORY_TABLE};

use crate::connection::Session;
use crate::sql::{ident, string};
use crate::types;

/// Tables smaller than this are counted exactly; larger ones use the catalog's estimate.
const EXACT_COUNT_BYTES: u64 = 64 * 1024 * 1024;

/// The parts of a `SHOW CREATE TABLE` statement.
#[derive(Debug, Default)]
pub struct CreateTable {
    /// Column name → its definition line (without the trailing comma).
    pub columns: BTreeMap<String, String>,
    /// Index name → its definition line (`KEY `a` (`x`)`, `UNIQUE KEY …`).
    pub keys: BTreeMap<String, String>,
    /// Constraint name → its definition line (`CONSTRAINT `fk` FOREIGN KEY …`, `… CHECK …`).
    /// Apart from `keys`: an index and a constraint may share a name (the index the server
    /// makes for a foreign key is named after it).
    pub constraints: BTreeMap<String, String>,
    /// The names of the CHECK constraints, in the statement's order (the order the server
    /// prints, and keeps when one is dropped and added again after the later ones).
    pub checks: Vec<String>,
}

/// Reads a backtick-quoted identifier at the start of `s`; returns it and the rest.
pub(crate) fn quoted(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('`')?;
    let mut name = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            if chars.peek().map(|(_, n)| *n) == Some('`') {
                chars.next();
                name.push('`');
            } else {
                return Some((name, &rest[i + 1..]));
            }
        } else {
            name.push(c);
        }
    }
    None
}

/// Splits `SHOW CREATE TABLE` output into its column and key lines.
pub fn parse_create(statement: &str) -> CreateTable {
    let mut out = CreateTable::default();
    for line in statement.lines().skip(1) {
        let line = line.trim().trim_end_matches(',');
        if line.starts_with('`') {
            if let Some((name, _)) = quoted(line) {
                out.columns.insert(name, standard_literals(line));
            }
        } else if let Some(rest) = line.strip_prefix("CONSTRAINT ") {
            if let Some((name, after)) = quoted(rest) {
                if after.trim_start().starts_with("CHECK ") {
                    out.checks.push(name.clone());
                }
                out.constraints.insert(name, standard_literals(line));
            }
        } else if let Some(rest) = ["KEY ", "UNIQUE KEY ", "FULLTEXT KEY ", "SPATIAL KEY "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        {
            if let Some((name, _)) = quoted(rest) {
                out.keys.insert(name, line.to_owned());
            }
        }
    }
    out
}

/// A `SHOW CREATE TABLE` line with its string literals written the standard way. The server
/// prints them with backslash escapes whatever `sql_mode` says — `\\` for a backslash, `\n`
/// for a newline, and, in the expression defaults of TEXT, BLOB and JSON columns, `\'` for a
/// quote — which strata's session (`NO_BACKSLASH_ESCAPES`) would read as other text. Each
/// literal is read with both escapes and written again with its quotes doubled only.
fn standard_literals(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                out.push(c);
                while let Some(n) = chars.next() {
                    out.push(n);
                    if n == '`' {
                        if chars.peek() == Some(&'`') {
                            out.push(chars.next().unwrap_or('`'));
                        } else {
                            break;
                        }
                    }
                }
            }
            '\'' => {
                let mut value = String::new();
                while let Some(n) = chars.next() {
                    match n {
                        '\\' => match chars.next() {
                            Some('n') => value.push('\n'),
                            Some('r') => value.push('\r'),
                            Some('t') => value.push('\t'),
                            Some('0') => value.push('\0'),
                            Some('Z') => value.push('\u{1a}'),
                            Some(other) => value.push(other),
                            None => break,
                        },
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        '\'' => break,
                        other => value.push(other),
                    }
                }
                out.push_str(&crate::sql::string(&value));
            }
            other => out.push(other),
        }
    }
    out
}

/// Every base table of the connection's database, strata's history table excluded.
pub async fn inspect(session: &Session) -> Result<Snapshot> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in session
        .rows(&format!(
            "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH, AUTO_INCREMENT FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> {} ORDER BY TABLE_NAME",
            string(HISTORY_TABLE)
        ))
        .await?
    {
        let name = r[0].clone().unwrap_or_default();
        let num = |i: usize| r[i].as_deref().and_then(|v| v.parse::<u64>().ok());
        let mut t = Table::new(QualifiedName::new(name.clone()));
        t.rows = num(1).unwrap_or(0);
        t.size_bytes = num(2).unwrap_or(0);
        if let Some(next) = num(3) {
            t.sequences.push(Sequence { name: "AUTO_INCREMENT".into(), column: String::new(), definition: String::new(), last_value: last_issued(next) });
        }
        tables.insert(name, t);
    }

    let mut creates = BTreeMap::new();
    for (name, t) in tables.iter_mut() {
        let shown = session
            .rows(&format!("SHOW CREATE TABLE {}", ident(name)))
            .await?;
        let statement = shown
            .first()
            .and_then(|r| r.get(1).cloned().flatten())
            .unwrap_or_default();
        let create = parse_create(&statement);
        t.definition = Some(standard_literals(&statement));
        creates.insert(name.clone(), create);
    }

    for r in session
        .rows(
            "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .await?
    {
        let table = r[0].clone().unwrap_or_default();
        let Some(t) = tables.get_mut(&table) else { continue };
        let name = r[1].clone().unwrap_or_default();
        let definition = creates.get(&table).and_then(|c| c.columns.get(&name).cloned());
        let is_json = definition.as_deref().is_some_and(|d| d.contains("json_valid("));
        let column_type = r[3].clone().unwrap_or_default();
        let extra = r[6].clone().unwrap_or_default().to_ascii_lowercase();
        let identity = extra.contains("auto_increment").then(|| "AUTO_INCREMENT".to_owned());
        if identity.is_some() {
            if let Some(s) = t.sequences.first_mut() {
                s.column = name.clone();
            }
        }
        t.columns.push(Column {
            position: r[2].as_deref().and_then(|p| p.parse().ok()).unwrap_or(0),
            portable: types::portable(&column_type, is_json),
            native_type: column_type,
            nullable: r[4].as_deref() == Some("YES"),
            default: r[5].clone().filter(|d| d != "NULL"),
            identity,
            definition,
            name,
        });
    }

    let mut index_columns: BTreeMap<(String, String), (bool, Vec<String>)> = BTreeMap::new();
    for r in session
        .rows(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        )
        .await?
    {
        let key = (r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default());
        let entry = index_columns.entry(key).or_insert((r[2].as_deref() == Some("0"), Vec::new()));
        if let Some(c) = r[3].clone() {
            entry.1.push(c);
        }
    }
    let mut fk_columns: BTreeMap<(String, String), (Vec<String>, String)> = BTreeMap::new();
    for r in session
        .rows(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS c ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND c.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        )
        .await?
    {
        let key = (r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default());
        let entry = fk_columns.entry(key).or_insert((Vec::new(), r[3].clone().unwrap_or_default()));
        entry.0.push(r[2].clone().unwrap_or_default());
    }
    for ((table, name), (unique, columns)) in index_columns {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        if name == "PRIMARY" {
            t.primary_key = columns.clone();
            t.constraints.push(Constraint {
                name,
                kind: ConstraintKind::PrimaryKey,
                columns: columns.clone(),
                references: None,
                definition: format!("PRIMARY KEY ({})", crate::sql::idents(&columns)),
                validated: true,
            });
            continue;
        }
        let definition = creates
            .get(&table)
            .and_then(|c| c.keys.get(&name).cloned())
            .unwrap_or_default();
        t.indexes.push(Index {
            name,
            columns,
            unique,
            definition,
            valid: true,
        });
    }
    for ((table, name), (columns, referenced)) in fk_columns {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        let definition = creates
            .get(&table)
            .and_then(|c| c.constraints.get(&name).cloned())
            .unwrap_or_default();
        t.constraints.push(Constraint {
            name,
            kind: ConstraintKind::ForeignKey,
            columns,
            references: Some(QualifiedName::new(referenced)),
            definition,
            validated: true,
        });
    }
    for (table, create) in &creates {
        let Some(t) = tables.get_mut(table) else {
            continue;
        };
        for name in &create.checks {
            let Some(line) = create.constraints.get(name) else {
                continue;
            };
            if t.constraint(name).is_none() {
                t.constraints.push(Constraint {
                    name: name.clone(),
                    kind: ConstraintKind::Check,
                    columns: Vec::new(),
                    references: None,
                    definition: line.clone(),
                    validated: true,
                });
            }
        }
    }
    for r in session
        .rows(
            "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME",
        )
        .await?
    {
        let table = r[0].clone().unwrap_or_default();
        let Some(t) = tables.get_mut(&table) else { continue };
        let name = r[1].clone().unwrap_or_default();
        let definition = format!(
            "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
            ident(&name),
            r[2].clone().unwrap_or_default(),
            r[3].clone().unwrap_or_default(),
            ident(&table),
            r[4].clone().unwrap_or_default()
        );
        t.triggers.push(Trigger { name, definition });
    }
    let views = session
        .rows("SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()")
        .await?;
    for t in tables.values_mut() {
        for v in &views {
            if v[1]
                .as_deref()
                .is_some_and(|d| crate::compile::names(d, &[&t.name.name]))
            {
                t.dependents
                    .push(format!("view {}", v[0].clone().unwrap_or_default()));
            }
        }
        if t.size_bytes <= EXACT_COUNT_BYTES {
            t.rows = session
                .count(&format!("SELECT COUNT(*) FROM {}", ident(&t.name.name)))
                .await? as u64;
        }
    }

    let mut snapshot = Snapshot {
        tables: tables.into_iter().map(|(k, t)| (k, t.into())).collect(),
    };
    snapshot.link_references();
    Ok(snapshot)
}

/// The last value an `AUTO_INCREMENT` counter issued, from the next one it will (0 before the
/// first); none past the range of a signed 64-bit value (an unsigned `BIGINT` key, or a
/// counter moved to 2^63 by an insert of `i64::MAX`).
fn last_issued(next: u64) -> Option<i64> {
    next.checked_sub(1).and_then(|v| i64::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_shown_with_backslash_escapes_are_written_the_standard_way() {
        assert_eq!(
            standard_literals("`a` text DEFAULT 'O\\'Brien \\\\ x'"),
            "`a` text DEFAULT 'O''Brien \\ x'"
        );
        assert_eq!(
            standard_literals("`b` varchar(20) DEFAULT 'line\\nbreak' COMMENT 'x''y'"),
            "`b` varchar(20) DEFAULT 'line\nbreak' COMMENT 'x''y'"
        );
        assert_eq!(
            standard_literals("`it''s` int(11) DEFAULT 5"),
            "`it''s` int(11) DEFAULT 5"
        );
    }

    #[test]
    fn show_create_table_splits_into_lines() {
        let c = parse_create(
            "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `we``ird` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  KEY `t_idx` (`we``ird`),\n  KEY `fk` (`id`),\n  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `u` (`id`)\n) ENGINE=InnoDB",
        );
        assert_eq!(c.columns["we`ird"], "`we``ird` varchar(20) DEFAULT NULL");
        assert_eq!(c.keys["t_idx"], "KEY `t_idx` (`we``ird`)");
        assert_eq!(c.keys["fk"], "KEY `fk` (`id`)", "an index named as a key");
        assert!(c.constraints["fk"].starts_with("CONSTRAINT `fk` FOREIGN KEY"));
    }

    #[test]
    fn a_counter_past_i64_has_no_last_value() {
        assert_eq!(last_issued(1), Some(0));
        assert_eq!(last_issued(1 << 63), Some(i64::MAX));
        assert_eq!(last_issued((1 << 63) + 1), None);
        assert_eq!(last_issued(u64::MAX), None);
    }
}
