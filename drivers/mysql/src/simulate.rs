//! The MySQL text a later step of the same migration compiles from, as this step leaves it
//! (`Driver::simulate`): the `SHOW CREATE TABLE` line of an index a step adds (a later
//! `drop_column` or `change_type` re-adds the indexes of the column from theirs), and index
//! lines that name a renamed column.

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

pub fn simulate(step: &Step, snapshot: &mut Snapshot) {
    let Some(table) = step.kind.spec().table() else {
        return;
    };
    let Some(t) = snapshot.tables.get_mut(&table.to_string()) else {
        return;
    };
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
            for i in t.indexes.iter_mut().filter(|i| i.columns.contains(&s.to)) {
                i.definition = i.definition.replace(&old, &new);
            }
        }
        _ => {}
    }
}
