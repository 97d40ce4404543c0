//! What a write into many rows must not break on MySQL: core's key counts
//! (`strata_core::writes`) and the table's and columns' CHECKs, refused in the plan and checked
//! again right before the write; and the orphans a foreign key would find (`orphan_filter`,
//! `orphan_count_sql`, which `strata verify` counts too).

use strata_core::schema::Table;
use strata_core::writes::Conflict;
use strata_sql::conflicts::check_conflict;

use crate::dialect::My;
use crate::sql::{ident, table as qtable};

/// How this driver quotes names, for core's shared SQL.
pub(super) const QUOTING: strata_core::writes::Quoting = strata_core::writes::Quoting {
    ident,
    table: qtable,
};

impl strata_sql::WriteChecks for My {
    /// Each table CHECK and column CHECK of `t` (a JSON column's `json_valid`) that names a
    /// written column, evaluated with the written values.
    fn broken_checks(
        t: &Table,
        writes: &[(String, String)],
        filter: Option<&str>,
    ) -> Vec<Conflict> {
        let table_checks = t.checks().map(|k| (k.name.clone(), k.definition.clone()));
        let column_checks = t.columns.iter().filter_map(|c| {
            let d = c.definition.as_deref()?;
            d.find(" CHECK (").map(|at| {
                (
                    format!("the CHECK of column {}", c.name),
                    d[at..].to_owned(),
                )
            })
        });
        let mut out = Vec::new();
        for (name, definition) in table_checks.chain(column_checks) {
            let Some(body) = definition
                .find("CHECK (")
                .map(|at| &definition[at + "CHECK ".len()..])
            else {
                continue;
            };
            let mut expr = body.to_owned();
            for (column, value) in writes {
                expr = expr.replace(&ident(column), &format!("({value})"));
            }
            if expr != body {
                out.push(check_conflict::<My>(t, &name, body, &expr, writes, filter));
            }
        }
        out
    }
}

/// Child rows (aliased `c`) whose complete key has no parent.
pub fn orphan_filter(parent: &Table, columns: &[String], references: &[String]) -> String {
    QUOTING.orphan_filter(&parent.name, columns, references)
}

/// How many child rows reference no parent row.
pub fn orphan_count_sql(
    child: &Table,
    parent: &Table,
    columns: &[String],
    references: &[String],
) -> String {
    format!(
        "SELECT COUNT(*) FROM {} c WHERE {}",
        qtable(&child.name),
        orphan_filter(parent, columns, references)
    )
}
