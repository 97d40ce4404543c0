//! What `set_default` and `drop_default` share on MySQL: their analysis, the column definition
//! with a default set or dropped, and the statement that restores the previous one.

use strata_core::{Analysis, QualifiedName, Result, Statement, StepContext};

use super::exact_definition;

pub fn analyze(ctx: StepContext<'_>, table: &QualifiedName, column: &str) -> Analysis {
    super::RULES
        .table_column(ctx.snapshot, table, column)
        .map_or_else(Analysis::refused, |(t, _)| Analysis::of_table(t))
}

pub(super) fn restore(
    ctx: &StepContext<'_>,
    tbl: &str,
    c: &strata_core::schema::Column,
) -> Result<Statement> {
    let definition = ctx.checked(exact_definition(c))?;
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
