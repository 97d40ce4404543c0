//! What `add_index` and `add_unique` share on SQLite (a unique index there, since SQLite cannot
//! add a constraint to a table without a rebuild): the duplicate count and the `CREATE INDEX`.

use strata_core::preflight;
use strata_core::schema::Table;
use strata_core::steps::NewIndex;
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext};
use strata_core::{Refusal, RefusalKind};

use super::{Counter, RULES};
use crate::sql::{ident, idents, table as qtable};

/// The `CREATE INDEX` text strata runs, which is also the text `sqlite_master` keeps (and
/// `crate::simulate` records, so a later rebuild in the same migration re-creates the index).
pub fn index_sql(table: &QualifiedName, columns: &[String], name: &str, unique: bool) -> String {
    let kind = if unique { "UNIQUE INDEX" } else { "INDEX" };
    format!(
        "CREATE {kind} {} ON {} ({})",
        ident(name),
        qtable(table),
        idents(columns)
    )
}

fn index_check<'a>(
    ctx: &StepContext<'a>,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
) -> preflight::Checked<&'a Table> {
    RULES.new_name("index name", name)?;
    let t = RULES.table(ctx.snapshot, table)?;
    for c in columns {
        preflight::find_column(t, c)?;
    }
    if t.indexes.iter().any(|i| i.name == name) || t.constraint(name).is_some() {
        return Err(Refusal::new(
            RefusalKind::Exists,
            format!(
                "table \"{}\" already has an index or constraint named \"{name}\"",
                t.name
            ),
        ));
    }
    Ok(t)
}

/// The number of keys of `columns` (none of them NULL) that more than one row of `table` holds.
fn duplicates(table: &QualifiedName, columns: &[String]) -> String {
    let cols: Vec<String> = columns.iter().map(|c| format!("c.{}", ident(c))).collect();
    let present: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {} c WHERE {} GROUP BY {} HAVING COUNT(*) > 1)",
        qtable(table),
        present.join(" AND "),
        cols.join(", ")
    )
}

pub async fn analyze_add(
    counter: &Counter<'_>,
    ctx: StepContext<'_>,
    key: &NewIndex<'_>,
) -> Result<Analysis> {
    let (table, columns, name, unique) = (key.table, key.columns, key.name.as_str(), key.unique);
    let t = strata_core::refuse_unless!(index_check(&ctx, table, columns, name));
    let mut a = Analysis::of_table(t);
    if unique {
        let n = if counter.is_recording() {
            0
        } else {
            counter.source.count(&duplicates(&t.name, columns)).await? as u64
        };
        a.findings
            .push(preflight::duplicates_finding(t, columns, n, vec![]));
    }
    Ok(a)
}

pub fn compile_add(ctx: StepContext<'_>, key: &NewIndex<'_>) -> Result<Vec<Action>> {
    let (table, columns, name, unique) = (key.table, key.columns, key.name.as_str(), key.unique);
    let t = ctx.checked(index_check(&ctx, table, columns, name))?;
    let kind = if unique { "UNIQUE INDEX" } else { "INDEX" };
    let mut actions = Vec::new();
    if unique {
        // The plan counted the live rows; earlier steps of the migration (a fill, a default
        // written into a new column, a conversion) may have made duplicates since.
        actions.push(Action::check(
            ctx.step.index,
            ActionKind::Check,
            format!(
                "no key ({}) of {} is held by two rows",
                columns.join(", "),
                t.name
            ),
            Statement::Sql(duplicates(&t.name, columns)),
            0,
            format!(
                "keys ({}) of {} are held by more than one row, so the unique index {name} \
                 cannot be made; remove the duplicates first",
                columns.join(", "),
                t.name
            ),
        ));
    }
    actions.push(
        Action::new(
            ctx.step.index,
            ActionKind::Ddl,
            format!(
                "create {} {name} on {}({})",
                kind.to_lowercase(),
                t.name,
                columns.join(", ")
            ),
            Statement::Sql(index_sql(&t.name, columns, name, unique)),
        )
        .with_inverse(Statement::Sql(format!(
            "DROP INDEX IF EXISTS {}",
            ident(name)
        ))),
    );
    Ok(actions)
}
