//! The reader of a `CREATE TABLE` text into `model.rs`: a small recursive descent over its
//! significant tokens, following SQLite's grammar, that records where each clause starts and
//! ends.

use std::ops::Range;

use super::cursor::{Cursor, ParseError};
use super::model::{
    ColumnConstraint, ColumnConstraintKind, ColumnDef, CreateTable, ForeignKeyClause, Item,
    ItemKind, KeyPart, TableConstraint, TableConstraintKind,
};

/// Words that end a column's type and start a constraint.
const CONSTRAINT_STARTS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
    "DEFERRABLE",
];

const TABLE_CONSTRAINT_STARTS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

/// Reads `sql`, a `CREATE TABLE` statement with a column list (not `AS SELECT`, not virtual).
pub fn parse(sql: &str) -> Result<CreateTable<'_>, ParseError> {
    let mut c = Cursor::new(sql)?;
    c.expect_word("CREATE")?;
    if c.is_word("VIRTUAL") {
        return c.error("an ordinary table (strata does not rebuild virtual tables)");
    }
    let _ = c.eat_word("TEMP") || c.eat_word("TEMPORARY");
    c.expect_word("TABLE")?;
    if c.is_word("IF") {
        c.next();
        c.expect_word("NOT")?;
        c.expect_word("EXISTS")?;
    }
    let mut name = c.name()?;
    if c.eat_punct(".") {
        name = c.name()?;
    }
    if !c.is_punct("(") {
        return c.error("`(` (strata reads tables created with a column list)");
    }
    c.next();
    let mut items = Vec::new();
    let mut comma = None;
    loop {
        let start = c.here();
        let kind = if TABLE_CONSTRAINT_STARTS.iter().any(|k| c.is_word(k)) {
            ItemKind::Constraint(table_constraint(&mut c)?)
        } else {
            ItemKind::Column(column(&mut c)?)
        };
        items.push(Item {
            span: start..c.last_end(),
            comma,
            kind,
        });
        comma = None;
        if c.is_punct(",") {
            comma = Some(c.here());
            c.next();
        } else if c.is_punct(")") {
            break;
        } else if !matches!(items.last().map(|i| &i.kind), Some(ItemKind::Constraint(_)))
            || !TABLE_CONSTRAINT_STARTS.iter().any(|k| c.is_word(k))
        {
            return c.error("`,` or `)`");
        }
    }
    let close = c.here();
    c.next();
    let (mut without_rowid, mut strict) = (false, false);
    while !c.at_end() && !c.is_punct(";") {
        if c.eat_word("WITHOUT") {
            c.expect_word("ROWID")?;
            without_rowid = true;
        } else if c.eat_word("STRICT") {
            strict = true;
        } else {
            return c.error("WITHOUT ROWID or STRICT");
        }
        if !c.eat_punct(",") {
            break;
        }
    }
    let _ = c.eat_punct(";");
    if !c.at_end() {
        return c.error("the end of the statement");
    }
    Ok(CreateTable {
        sql,
        name,
        close,
        items,
        without_rowid,
        strict,
    })
}

/// Whether `sql`, a `CREATE TABLE` text, declares the table STRICT: what [`parse`] reports as
/// `strict`, read from the tokens alone (a step that only needs this, such as `add_column`,
/// should not pay for reading every column of a wide table).
pub fn is_strict(sql: &str) -> bool {
    let Ok(tokens) = super::lexer::significant(sql) else {
        return false;
    };
    let mut depth = 0usize;
    let mut closed = false;
    for t in &tokens {
        if t.is_punct(sql, "(") {
            depth += 1;
        } else if t.is_punct(sql, ")") {
            depth = depth.saturating_sub(1);
            closed |= depth == 0;
        } else if closed && depth == 0 && t.is_word(sql, "STRICT") {
            return true;
        }
    }
    false
}

fn column(c: &mut Cursor<'_>) -> Result<ColumnDef, ParseError> {
    let name = c.name()?;
    let mut ty: Option<Range<usize>> = None;
    while c.peek().is_some_and(|t| t.is_name()) && !CONSTRAINT_STARTS.iter().any(|k| c.is_word(k)) {
        let t = c.next().expect("peeked");
        ty = Some(ty.map_or(t.span.start, |r| r.start)..t.span.end);
    }
    if ty.is_some() && c.is_punct("(") {
        c.group()?;
        ty = ty.map(|r| r.start..c.last_end());
    }
    let mut constraints = Vec::new();
    while !c.is_punct(",") && !c.is_punct(")") {
        constraints.push(column_constraint(c)?);
    }
    Ok(ColumnDef {
        name,
        ty,
        constraints,
    })
}

fn conflict(c: &mut Cursor<'_>) -> Result<(), ParseError> {
    if c.is_word("ON") && c.is_word_at(1, "CONFLICT") {
        c.next();
        c.next();
        c.name()?;
    }
    Ok(())
}

fn column_constraint(c: &mut Cursor<'_>) -> Result<ColumnConstraint, ParseError> {
    use ColumnConstraintKind as K;
    let start = c.here();
    let name = if c.eat_word("CONSTRAINT") {
        Some(c.name()?)
    } else {
        None
    };
    let kind = if c.eat_word("PRIMARY") {
        c.expect_word("KEY")?;
        let desc = c.eat_word("DESC");
        let _ = desc || c.eat_word("ASC");
        conflict(c)?;
        K::PrimaryKey {
            desc,
            autoincrement: c.eat_word("AUTOINCREMENT"),
        }
    } else if c.is_word("NOT") && c.is_word_at(1, "NULL") {
        c.next();
        c.next();
        conflict(c)?;
        K::NotNull
    } else if c.eat_word("NULL") {
        conflict(c)?;
        K::Null
    } else if c.eat_word("UNIQUE") {
        conflict(c)?;
        K::Unique
    } else if c.eat_word("CHECK") {
        K::Check { expr: c.group()? }
    } else if c.eat_word("DEFAULT") {
        let from = c.here();
        if c.is_punct("(") {
            c.group()?;
        } else {
            let _ = c.eat_punct("+") || c.eat_punct("-");
            c.term()?;
        }
        K::Default {
            value: from..c.last_end(),
        }
    } else if c.eat_word("COLLATE") {
        c.name()?;
        K::Collate
    } else if c.eat_word("REFERENCES") {
        K::References(foreign_key_clause(c)?)
    } else if c.is_word("GENERATED") || c.is_word("AS") {
        if c.eat_word("GENERATED") {
            c.expect_word("ALWAYS")?;
        }
        c.expect_word("AS")?;
        let expr = c.group()?;
        let _ = c.eat_word("STORED") || c.eat_word("VIRTUAL");
        K::Generated { expr }
    } else if c.is_word("DEFERRABLE") || c.is_word("NOT") {
        deferrable(c)?;
        K::Deferrable
    } else {
        return c.error("a column constraint");
    };
    Ok(ColumnConstraint {
        span: start..c.last_end(),
        name,
        kind,
    })
}

fn deferrable(c: &mut Cursor<'_>) -> Result<(), ParseError> {
    let _ = c.eat_word("NOT");
    c.expect_word("DEFERRABLE")?;
    if c.eat_word("INITIALLY") && !c.eat_word("DEFERRED") {
        c.expect_word("IMMEDIATE")?;
    }
    Ok(())
}

fn foreign_key_clause(c: &mut Cursor<'_>) -> Result<ForeignKeyClause, ParseError> {
    let table = c.name()?;
    let columns = if c.is_punct("(") {
        c.names()?
    } else {
        Vec::new()
    };
    loop {
        if c.is_word("ON") && (c.is_word_at(1, "DELETE") || c.is_word_at(1, "UPDATE")) {
            c.next();
            c.next();
            if c.eat_word("SET") {
                if !c.eat_word("NULL") {
                    c.expect_word("DEFAULT")?;
                }
            } else if !c.eat_word("CASCADE") && !c.eat_word("RESTRICT") {
                c.expect_word("NO")?;
                c.expect_word("ACTION")?;
            }
        } else if c.eat_word("MATCH") {
            c.name()?;
        } else if c.is_word("DEFERRABLE") || (c.is_word("NOT") && c.is_word_at(1, "DEFERRABLE")) {
            deferrable(c)?;
        } else {
            break;
        }
    }
    Ok(ForeignKeyClause { table, columns })
}

fn table_constraint(c: &mut Cursor<'_>) -> Result<TableConstraint, ParseError> {
    use TableConstraintKind as K;
    let name = if c.eat_word("CONSTRAINT") {
        Some(c.name()?)
    } else {
        None
    };
    let kind = if c.eat_word("PRIMARY") {
        c.expect_word("KEY")?;
        let parts = key_parts(c)?;
        conflict(c)?;
        K::PrimaryKey { parts }
    } else if c.eat_word("UNIQUE") {
        let parts = key_parts(c)?;
        conflict(c)?;
        K::Unique { parts }
    } else if c.eat_word("CHECK") {
        let expr = c.group()?;
        conflict(c)?;
        K::Check { expr }
    } else if c.eat_word("FOREIGN") {
        c.expect_word("KEY")?;
        let columns = c.names()?;
        c.expect_word("REFERENCES")?;
        K::ForeignKey {
            columns,
            clause: foreign_key_clause(c)?,
        }
    } else {
        return c.error("a table constraint");
    };
    Ok(TableConstraint { name, kind })
}

/// `(a COLLATE nocase DESC, lower(b), …)`: each element, and its column where it names one.
fn key_parts(c: &mut Cursor<'_>) -> Result<Vec<KeyPart>, ParseError> {
    let inner = c.group()?;
    let sql = &c.sql[..inner.end];
    let mut sub = Cursor::new(sql)?;
    while sub.here() < inner.start {
        sub.next();
    }
    let mut parts = Vec::new();
    loop {
        let start = sub.here();
        let mut column = None;
        if sub.peek().is_some_and(|t| t.is_name()) {
            let name = sub.name()?;
            if sub.eat_word("COLLATE") {
                sub.name()?;
            }
            let _ = sub.eat_word("ASC") || sub.eat_word("DESC");
            let _ = sub.eat_word("AUTOINCREMENT");
            if sub.at_end() || sub.is_punct(",") {
                column = Some(name);
            }
        }
        let mut depth = 0usize;
        while let Some(t) = sub.peek() {
            if depth == 0 && t.is_punct(sql, ",") {
                break;
            }
            if t.is_punct(sql, "(") {
                depth += 1;
            } else if t.is_punct(sql, ")") {
                depth = depth.saturating_sub(1);
            }
            sub.next();
        }
        parts.push(KeyPart {
            span: start..sub.last_end(),
            column,
        });
        if !sub.eat_punct(",") {
            return Ok(parts);
        }
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
