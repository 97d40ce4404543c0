//! The MySQL text a later step of the same migration compiles from, as this step leaves it
//! (`StepCompiler::simulate`): the `SHOW CREATE TABLE` line of an index or foreign key a step adds
//! (a later `drop_column`, `change_type` or `drop_foreign_key` re-adds them from theirs),
//! index lines that name a renamed column, and a column's own line once a step changes its
//! nullability or default — made by the same edits the step's `MODIFY` makes, so a later
//! step of the migration can still undo exactly what the earlier one left.

use strata_core::schema::{ConstraintKind, Index, Snapshot};
use strata_core::steps::Step;
use strata_core::StepKind;

use crate::sql::{ident, idents};

/// The line `SHOW CREATE TABLE` prints for an index.
fn line(name: &str, columns: &[String], unique: bool) -> String {
    format!(
        "{}KEY {} ({})",
        if unique { "UNIQUE " } else { "" },
        ident(name),
        idents(columns)
    )
}

pub fn simulate(step: &Step, before: &Snapshot, snapshot: &mut Snapshot) {
    let Some(table) = step.kind.spec().table() else {
        return;
    };
    // The column's line as the step found it (named as it is now).
    let column_line = |column: &str| {
        before
            .table(table)
            .and_then(|t| t.column(column))
            .filter(|c| c.definition.is_some())
            .map(crate::compile::column_line)
    };
    let edited = match &step.kind {
        StepKind::SetNotNull(s) => column_line(&s.column).map(|d| {
            (
                s.column.clone(),
                crate::compile::with_nullability(&d, false),
            )
        }),
        StepKind::DropNotNull(s) => column_line(&s.column)
            .map(|d| (s.column.clone(), crate::compile::with_nullability(&d, true))),
        StepKind::SetDefault(s) => {
            let ty = before
                .table(table)
                .and_then(|t| t.column(&s.column))
                .and_then(|c| c.portable);
            column_line(&s.column).zip(ty).map(|(d, ty)| {
                (
                    s.column.clone(),
                    crate::compile::with_default(
                        &d,
                        Some(&crate::compile::default_clause(ty, &s.value)),
                    ),
                )
            })
        }
        StepKind::DropDefault(s) => column_line(&s.column)
            .map(|d| (s.column.clone(), crate::compile::with_default(&d, None))),
        _ => None,
    };
    if let Some((column, definition)) = edited {
        if let Some(c) = snapshot
            .table_mut(&table.to_string())
            .and_then(|t| t.columns.named_mut(&column))
        {
            c.definition = Some(definition);
        }
    }
    // Keys of other tables that reference a renamed column name it after `REFERENCES t (`.
    if let StepKind::RenameColumn(s) = &step.kind {
        let (old, new) = (ident(&s.column), ident(&s.to));
        let refers = |o: &strata_core::schema::Table| {
            &o.name != table
                && o.constraints
                    .iter()
                    .any(|k| k.references.as_ref() == Some(table))
        };
        for other in snapshot.tables_where(refers) {
            for k in other
                .constraints
                .iter_mut()
                .filter(|k| k.references.as_ref() == Some(table))
            {
                if let Some(at) = k.definition.find(" REFERENCES ") {
                    k.definition = format!(
                        "{}{}",
                        &k.definition[..at],
                        k.definition[at..].replace(&old, &new)
                    );
                }
            }
        }
    }
    // The server writes a renamed table's new name into its own statement and into every
    // foreign key that references it (`REFERENCES `new``); core has moved their `references`
    // already, their text follows, so a later `drop_table`, `drop_foreign_key` or `replace`
    // re-creates on rollback what the server shows.
    if let StepKind::RenameTable(s) = &step.kind {
        let renamed = table.with_name(&s.to);
        let (old, new) = (
            format!(" REFERENCES {} (", ident(&table.name)),
            format!(" REFERENCES {} (", ident(&s.to)),
        );
        let refers = |t: &strata_core::schema::Table| {
            t.constraints
                .iter()
                .any(|c| c.references.as_ref() == Some(&renamed))
        };
        for t in snapshot.tables_where(refers) {
            for c in t
                .constraints
                .iter_mut()
                .filter(|c| c.references.as_ref() == Some(&renamed))
            {
                c.definition = c.definition.replacen(&old, &new, 1);
            }
        }
        // Its own statement, which a later `drop_table` re-creates it from on rollback.
        let (head, renamed_head) = (
            format!("CREATE TABLE {} (", ident(&table.name)),
            format!("CREATE TABLE {} (", ident(&s.to)),
        );
        if let Some(d) = snapshot
            .table_mut(&renamed.to_string())
            .and_then(|t| t.definition.as_mut())
        {
            if d.starts_with(&head) {
                *d = d.replacen(&head, &renamed_head, 1);
            }
        }
        return;
    }
    let Some(t) = snapshot.table_mut(&table.to_string()) else {
        return;
    };
    // An index the server made for a foreign key may be dropped by it once the new index can
    // serve the key (see `compile::implicit_indexes`): later steps of the migration plan as if
    // it were gone, so a `drop_index` of the new index is refused in the plan (the key would
    // have no index left) instead of failing with error 1553 half way.
    let new_index = match &step.kind {
        StepKind::AddIndex(s) => Some((s.index_name(), s.columns.clone())),
        StepKind::AddUnique(s) => Some((s.constraint_name(), s.columns.clone())),
        _ => None,
    };
    if let Some((new, columns)) = new_index {
        let gone: Vec<String> = crate::compile::superseded(t, &columns)
            .into_iter()
            .filter(|(i, fk)| i.name == *fk && i.name != new)
            .map(|(i, _)| i.name.clone())
            .collect();
        t.indexes.retain(|i| !gone.contains(&i.name));
    }
    match &step.kind {
        StepKind::AddIndex(s) => {
            let name = s.index_name();
            if let Some(i) = t.indexes.iter_mut().find(|i| i.name == name) {
                i.definition = line(&name, &s.columns, s.unique);
            }
        }
        // A unique constraint is a unique index on MySQL, and the inspection lists it so.
        StepKind::AddUnique(s) => {
            let name = s.constraint_name();
            t.constraints
                .retain(|c| !(c.name == name && c.kind == ConstraintKind::Unique));
            t.indexes.push(Index {
                definition: line(&name, &s.columns, true),
                name,
                columns: s.columns.clone(),
                unique: true,
                valid: true,
            });
        }
        StepKind::RenameColumn(s) => {
            let (old, new) = (ident(&s.column), ident(&s.to));
            // After the name: `KEY `tags_ref` (`tags_ref`)` names the index after the column.
            let in_lists = |line: &str| match line.find(" (") {
                Some(at) => format!("{}{}", &line[..at], line[at..].replace(&old, &new)),
                None => line.to_owned(),
            };
            for i in t.indexes.iter_mut().filter(|i| i.columns.contains(&s.to)) {
                i.definition = in_lists(&i.definition);
            }
            for k in t.constraints.iter_mut() {
                match k.kind {
                    ConstraintKind::Check => k.definition = in_lists(&k.definition),
                    // Its own columns; a key of this table that references it, the referenced ones.
                    ConstraintKind::ForeignKey => {
                        let refs_self = k.references.as_ref() == Some(table);
                        k.definition = match k.definition.find(" REFERENCES ") {
                            Some(at) if !refs_self => {
                                format!("{}{}", in_lists(&k.definition[..at]), &k.definition[at..])
                            }
                            _ => in_lists(&k.definition),
                        };
                    }
                    _ => {}
                }
            }
            // The column's own CHECK (a JSON column's `json_valid`) names it too.
            if let Some(c) = t.columns.named_mut(&s.to) {
                c.definition = c.definition.as_ref().map(|d| d.replace(&old, &new));
            }
        }
        // MySQL keeps a multi-column index without the dropped column (PostgreSQL drops it,
        // which is what the portable effect says).
        StepKind::DropColumn(s) => {
            if let Some(old) = before.table(table) {
                for i in old
                    .indexes
                    .iter()
                    .filter(|i| i.columns.len() > 1 && i.columns.contains(&s.column))
                {
                    let columns: Vec<String> = i
                        .columns
                        .iter()
                        .filter(|c| **c != s.column)
                        .cloned()
                        .collect();
                    t.indexes.push(Index {
                        name: i.name.clone(),
                        definition: line(&i.name, &columns, i.unique),
                        columns,
                        unique: i.unique,
                        valid: true,
                    });
                }
                t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        StepKind::AddForeignKey(s) => {
            let name = s.constraint_name();
            if let Some(c) = t.constraints.iter_mut().find(|c| c.name == name) {
                c.definition = format!(
                    "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                    ident(&name),
                    idents(&s.columns),
                    crate::sql::table(&s.references.table),
                    idents(&s.references.columns),
                    s.on_delete.sql(),
                    s.on_update.sql()
                );
            }
        }
        _ => {}
    }
}
