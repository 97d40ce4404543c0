//! `set_default` and `drop_default` on MySQL. Rollback restores the column's definition
//! exactly as `SHOW CREATE TABLE` gave it.

use strata_core::steps::{DropDefault, SetDefault};
use strata_core::{Action, ActionKind, Analysis, QualifiedName, Result, Statement, StepContext};

use super::create_table::default_clause;
use super::{exact_definition, find_table_column, refused, sized};
use crate::sql::{ident, table as qtable};

pub fn analyze(ctx: StepContext<'_>, table: &QualifiedName, column: &str) -> Analysis {
    find_table_column(&ctx, table, column).map_or_else(refused, |(t, _)| sized(t))
}

fn restore(ctx: &StepContext<'_>, tbl: &str, c: &strata_core::schema::Column) -> Result<Statement> {
    let definition = exact_definition(c).map_err(|m| ctx.error(m))?;
    Ok(Statement::Sql(format!(
        "ALTER TABLE {tbl} MODIFY COLUMN {definition}"
    )))
}

/// A column line with its `DEFAULT …` clause replaced by `clause` (` DEFAULT x`), or
/// removed: where `SHOW CREATE TABLE` puts it, before `ON UPDATE`, `COMMENT` and a CHECK.
pub fn with_default(definition: &str, clause: Option<&str>) -> String {
    let (name, rest) = super::nullability::split_name(definition);
    format!("{name}{}", default_of_rest(rest, clause))
}

/// [`with_default`] of the part of a column line after its name.
fn default_of_rest(definition: &str, clause: Option<&str>) -> String {
    const AFTER: [&str; 5] = [
        " ON UPDATE ",
        " COMMENT ",
        " CHECK (",
        " AUTO_INCREMENT",
        " INVISIBLE",
    ];
    let end_of = |s: &str| {
        AFTER
            .iter()
            .filter_map(|k| s.find(k))
            .min()
            .unwrap_or(s.len())
    };
    let bare = match definition.find(" DEFAULT ") {
        Some(at) => {
            let rest = &definition[at + " DEFAULT ".len()..];
            format!("{}{}", &definition[..at], &rest[end_of(rest)..])
        }
        None => definition.to_owned(),
    };
    match clause {
        Some(c) => {
            let at = end_of(&bare);
            format!("{}{c}{}", &bare[..at], &bare[at..])
        }
        None => bare,
    }
}

pub fn compile_set(ctx: StepContext<'_>, s: &SetDefault) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    let clause = default_clause(
        c.portable.unwrap_or(strata_core::PortableType::Int64),
        &s.value,
    );
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("set default of {}.{}", t.name, c.name),
        Statement::Sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {} SET{}",
            ident(&c.name),
            clause
        )),
    )
    .outside_transaction()
    .with_inverse(restore(&ctx, &tbl, c)?)])
}

pub fn compile_drop(ctx: StepContext<'_>, s: &DropDefault) -> Result<Vec<Action>> {
    let (t, c) = find_table_column(&ctx, &s.table, &s.column).map_err(|m| ctx.error(m))?;
    let tbl = qtable(&t.name);
    Ok(vec![Action::new(
        ctx.step.index,
        ActionKind::Ddl,
        format!("drop default of {}.{}", t.name, c.name),
        Statement::Sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {} DROP DEFAULT",
            ident(&c.name)
        )),
    )
    .outside_transaction()
    .with_inverse(restore(&ctx, &tbl, c)?)])
}

#[cfg(test)]
mod tests {
    use super::with_default;

    #[test]
    fn a_default_is_replaced_where_show_create_table_puts_it() {
        assert_eq!(
            with_default(
                "`a` int(11) NOT NULL DEFAULT 5 COMMENT 'x'",
                Some(" DEFAULT 7")
            ),
            "`a` int(11) NOT NULL DEFAULT 7 COMMENT 'x'"
        );
        assert_eq!(
            with_default("`j` longtext DEFAULT '{}' CHECK (json_valid(`j`))", None),
            "`j` longtext CHECK (json_valid(`j`))"
        );
        assert_eq!(
            with_default("`a` int(11) DEFAULT NULL", Some(" DEFAULT 3")),
            "`a` int(11) DEFAULT 3"
        );
    }
}
