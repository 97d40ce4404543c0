//! Reading the schema from `sqlite_master` and the `pragma_*` table functions. What SQLite
//! keeps only in a table's `CREATE TABLE` text — the names of its constraints, its CHECKs —
//! is read from that text (`crate::ddl`), however its author quoted and spaced it.

use std::collections::BTreeMap;

use strata_core::schema::{
    Column, Constraint, ConstraintKind, Index, Sequence, Snapshot, Table, Trigger,
};
use strata_core::{QualifiedName, Result, HISTORY_TABLE};

use crate::connection::Session;
use crate::ddl::lexer::same_name;
use crate::ddl::refs::{column_refs, mentions};
use crate::ddl::{parse, CreateTable};
use crate::sql::{ident, idents, string};
use crate::types;

/// The definition strata writes for a foreign key.
pub fn foreign_key(
    name: &str,
    columns: &[String],
    parent: &str,
    refs: &[String],
    on_delete: &str,
    on_update: &str,
) -> String {
    format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {on_delete} ON UPDATE {on_update}",
        ident(name),
        idents(columns),
        ident(parent),
        idents(refs)
    )
}

pub async fn inspect(session: &Session) -> Result<Snapshot> {
    // SQLite's own objects are those named `sqlite_…` in any case (`sqlite3CheckObjectName`);
    // `_` is escaped, else `LIKE` reads it as any character and hides a table `sqliteusers`.
    let master = session
        .rows(
            "SELECT type, name, tbl_name, sql FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .await?;
    let text = |r: &Vec<Option<String>>, i: usize| r[i].clone().unwrap_or_default();
    // `sqlite_sequence` exists once a table with AUTOINCREMENT was made.
    let has_sequences = session
        .count(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
        )
        .await?
        > 0;
    let mut sequences: BTreeMap<String, i64> = BTreeMap::new();
    if has_sequences {
        for r in session
            .rows("SELECT name, seq FROM sqlite_sequence")
            .await?
        {
            let seq = r[1].as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
            sequences.insert(text(&r, 0), seq);
        }
    }
    let mut snapshot = Snapshot::default();
    for r in master
        .iter()
        .filter(|r| text(r, 0) == "table" && text(r, 1) != HISTORY_TABLE)
    {
        let name = text(r, 1);
        let sql = text(r, 3);
        let mut t = Table::new(QualifiedName::new(name.clone()));
        t.definition = Some(sql.clone());
        let mut pk: Vec<(i64, String)> = Vec::new();
        let written = parse(&sql).ok();
        // Generated columns (`hidden` 2 and 3) are computed by SQLite, never written: they
        // are left out of the columns strata reads, writes and copies.
        for c in session
            .rows(&format!(
                "SELECT name, type, \"notnull\", dflt_value, pk, cid FROM pragma_table_xinfo({}) WHERE hidden = 0",
                string(&name)
            ))
            .await?
        {
            let declared = text(&c, 1);
            let position: u32 = c[5].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
            let pk_index: i64 = c[4].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
            if pk_index > 0 {
                pk.push((pk_index, text(&c, 0)));
            }
            t.columns.push(Column {
                name: text(&c, 0),
                position: position + 1,
                portable: types::portable(&declared),
                native_type: declared,
                nullable: c[2].as_deref() != Some("1") && pk_index == 0,
                default: c[3].clone(),
                identity: None,
                definition: None,
            });
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let mut uniques_seen = Vec::new();
        for ix in session
            .rows(&format!(
                "SELECT name, \"unique\", origin FROM pragma_index_list({}) ORDER BY seq DESC",
                string(&name)
            ))
            .await?
        {
            let (index, origin) = (text(&ix, 0), text(&ix, 2));
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> = session
                .rows(&format!(
                    "SELECT name FROM pragma_index_info({}) ORDER BY seqno",
                    string(&index)
                ))
                .await?
                .iter()
                .map(|c| text(c, 0))
                .collect();
            let unique = ix[1].as_deref() == Some("1");
            if origin == "u" {
                let named = written
                    .as_ref()
                    .and_then(|p| unique_name(p, &columns, &mut uniques_seen));
                t.constraints.push(Constraint {
                    name: named.unwrap_or(index),
                    kind: ConstraintKind::Unique,
                    definition: format!("UNIQUE ({})", idents(&columns)),
                    columns,
                    references: None,
                    validated: true,
                });
            } else {
                let definition = master
                    .iter()
                    .find(|m| text(m, 0) == "index" && text(m, 1) == index)
                    .map(|m| text(m, 3))
                    .unwrap_or_default();
                t.indexes.push(Index {
                    name: index,
                    columns,
                    unique,
                    definition,
                    valid: true,
                });
            }
        }
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut fks: BTreeMap<i64, ForeignKeyRows> = BTreeMap::new();
        for f in session.rows(&format!("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list({}) ORDER BY id, seq", string(&name))).await? {
            let id: i64 = f[0].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
            let e = fks.entry(id).or_insert_with(|| (text(&f, 1), Vec::new(), Vec::new(), text(&f, 5), text(&f, 4)));
            e.1.push(text(&f, 2));
            e.2.push(text(&f, 3));
        }
        // The pragma numbers foreign keys from the last written; the text names them.
        let keys = written
            .as_ref()
            .map(CreateTable::foreign_keys)
            .unwrap_or_default();
        let by_text = keys.len() == fks.len();
        for (i, (parent, columns, refs, on_delete, on_update)) in
            fks.into_values().rev().enumerate()
        {
            let fk_name = keys
                .get(i)
                .filter(|w| by_text && w.columns.iter().zip(&columns).all(|(a, b)| same_name(a, b)))
                .map(|w| w.name.clone())
                .unwrap_or_else(|| format!("{name}_{}_fkey", columns.join("_")));
            t.constraints.push(Constraint {
                definition: foreign_key(&fk_name, &columns, &parent, &refs, &on_delete, &on_update),
                name: fk_name,
                kind: ConstraintKind::ForeignKey,
                columns,
                references: Some(QualifiedName::new(parent)),
                validated: true,
            });
        }
        if let Some(p) = &written {
            let names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            for check in p.checks() {
                let columns = names
                    .iter()
                    .filter(|c| !column_refs(&sql, check.expr.clone(), &name, c).is_empty())
                    .cloned()
                    .collect();
                t.constraints.push(Constraint {
                    name: check.name,
                    kind: ConstraintKind::Check,
                    columns,
                    references: None,
                    definition: format!("CHECK ({})", &sql[check.expr]),
                    validated: true,
                });
            }
        }
        t.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        for m in master
            .iter()
            .filter(|m| text(m, 0) == "trigger" && same_name(&text(m, 2), &name))
        {
            t.triggers.push(Trigger {
                name: text(m, 1),
                definition: text(m, 3),
            });
        }
        for m in master.iter().filter(|m| text(m, 0) == "view") {
            if mentions(&text(m, 3), 0, &name) {
                t.dependents.push(format!("view {}", text(m, 1)));
            }
        }
        if let Some(seq) = sequences.get(&name) {
            t.sequences.push(Sequence {
                name: "sqlite_sequence".into(),
                column: String::new(),
                definition: String::new(),
                last_value: Some(*seq),
            });
        }
        t.rows = session
            .count(&format!("SELECT COUNT(*) FROM {}", ident(&name)))
            .await? as u64;
        // The pages of the table and its indexes, where SQLite is built with `dbstat`.
        t.size_bytes = session
            .count(&format!(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = {})",
                string(&name)
            ))
            .await
            .map_or(0, |n| n.max(0) as u64);
        snapshot.tables.insert(name, t.into());
    }
    snapshot.link_references();
    Ok(snapshot)
}

/// One foreign key as `pragma_foreign_key_list` spreads it over rows: parent table, child
/// columns, parent columns, ON DELETE, ON UPDATE.
type ForeignKeyRows = (String, Vec<String>, Vec<String>, String, String);

/// The name of the UNIQUE constraint written with `columns` (the first not yet matched), when
/// its text names it; SQLite's own index name stands for an unnamed one.
fn unique_name(
    text: &CreateTable<'_>,
    columns: &[String],
    seen: &mut Vec<usize>,
) -> Option<String> {
    let (i, u) = text.uniques().into_iter().enumerate().find(|(i, u)| {
        !seen.contains(i)
            && u.columns.len() == columns.len()
            && u.columns
                .iter()
                .zip(columns)
                .all(|(a, b)| a.as_deref().is_some_and(|a| same_name(a, b)))
    })?;
    seen.push(i);
    u.name
}
