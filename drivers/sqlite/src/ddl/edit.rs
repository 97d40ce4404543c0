//! Minimal edits to a `CREATE TABLE` text: each changes the one clause a step is about and
//! keeps every other byte (comments, spacing, quoting, constraint names) as the user wrote it.
//! The inverse of a rebuild needs no edit: it is the text as it was.

use std::ops::Range;

use super::constraints::Place;
use super::model::{
    ColumnConstraintKind, ColumnDef, CreateTable, Item, ItemKind, TableConstraintKind,
};

/// Why an edit cannot be made.
pub type Refused = String;

fn splice(sql: &str, range: Range<usize>, with: &str) -> String {
    format!("{}{with}{}", &sql[..range.start], &sql[range.end..])
}

/// The start of the whitespace right before `at`, leaving the newline that ends a `--`
/// comment (without it the comment would run on over what follows).
fn space_before(sql: &str, at: usize) -> usize {
    let run = at
        - sql[..at]
            .bytes()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let after_line_comment = super::lexer::tokenize(&sql[..run])
        .ok()
        .and_then(|t| t.last().cloned())
        .is_some_and(|t| t.kind == super::lexer::Kind::Comment && t.text(sql).starts_with("--"));
    if after_line_comment {
        run + sql[run..at].find('\n').map_or(0, |i| i + 1)
    } else {
        run
    }
}

impl CreateTable<'_> {
    fn column_or_refuse(&self, column: &str) -> Result<(usize, &ColumnDef), Refused> {
        self.column(column).ok_or_else(|| {
            format!(
                "the CREATE TABLE text of \"{}\" has no column \"{column}\"",
                self.name.value
            )
        })
    }

    /// The column's declared type set to `ty`.
    pub fn with_type(&self, column: &str, ty: &str) -> Result<String, Refused> {
        let (_, c) = self.column_or_refuse(column)?;
        Ok(match &c.ty {
            Some(r) => splice(self.sql, r.clone(), ty),
            None => splice(
                self.sql,
                c.name.span.end..c.name.span.end,
                &format!(" {ty}"),
            ),
        })
    }

    /// The column's constraints of `kind` removed, each with the whitespace before it.
    fn without(
        &self,
        column: &str,
        kind: impl Fn(&ColumnConstraintKind) -> bool,
    ) -> Result<String, Refused> {
        let (_, c) = self.column_or_refuse(column)?;
        let mut sql = self.sql.to_owned();
        for k in c.constraints.iter().rev().filter(|k| kind(&k.kind)) {
            let from = space_before(self.sql, k.span.start);
            sql = splice(&sql, from..k.span.end, "");
        }
        Ok(sql)
    }

    /// Appends a column constraint after the column's last clause.
    fn appended(&self, item: usize, clause: &str) -> String {
        let end = self.items[item].span.end;
        splice(self.sql, end..end, &format!(" {clause}"))
    }

    /// `NOT NULL` added (an explicit `NULL` constraint becomes `NOT NULL`).
    pub fn with_not_null(&self, column: &str) -> Result<String, Refused> {
        let (item, c) = self.column_or_refuse(column)?;
        if c.constraints
            .iter()
            .any(|k| matches!(k.kind, ColumnConstraintKind::NotNull))
        {
            return Ok(self.sql.to_owned());
        }
        if let Some(k) = c
            .constraints
            .iter()
            .find(|k| matches!(k.kind, ColumnConstraintKind::Null))
        {
            // The `NULL` keyword: the constraint's first token after its name.
            let from = k.name.as_ref().map_or(k.span.start, |n| n.span.end);
            let null = super::lexer::significant(&self.sql[from..k.span.end])
                .ok()
                .and_then(|t| t.first().map(|t| from + t.span.start))
                .unwrap_or(from);
            return Ok(splice(self.sql, null..null, "NOT "));
        }
        Ok(self.appended(item, "NOT NULL"))
    }

    /// Every `NOT NULL` of the column removed.
    pub fn without_not_null(&self, column: &str) -> Result<String, Refused> {
        self.without(column, |k| matches!(k, ColumnConstraintKind::NotNull))
    }

    /// The column's `DEFAULT` set to `value`.
    pub fn with_default(&self, column: &str, value: &str) -> Result<String, Refused> {
        let (item, c) = self.column_or_refuse(column)?;
        let existing = c.constraints.iter().find_map(|k| match &k.kind {
            ColumnConstraintKind::Default { value } => Some(value.clone()),
            _ => None,
        });
        Ok(match existing {
            Some(r) => splice(self.sql, r, value),
            None => self.appended(item, &format!("DEFAULT {value}")),
        })
    }

    /// The column's `DEFAULT` removed.
    pub fn without_default(&self, column: &str) -> Result<String, Refused> {
        self.without(column, |k| {
            matches!(k, ColumnConstraintKind::Default { .. })
        })
    }

    /// Item `i` removed with one separator, keeping the comments that belong to its
    /// neighbours: an item followed by another goes with what lies between them; the last
    /// one (or one written without a comma before it) with the whitespace before it and its
    /// comma, while a comment between that comma and the item stays with the item before.
    fn without_item(&self, i: usize) -> String {
        let it = &self.items[i];
        match self.items.get(i + 1) {
            Some(next) if it.comma.is_some() || next.comma.is_none() || i == 0 => {
                splice(self.sql, it.span.start..next.span.start, "")
            }
            _ => {
                let from = space_before(self.sql, it.span.start);
                let sql = splice(self.sql, from..it.span.end, "");
                match it.comma {
                    Some(comma) => splice(&sql, comma..comma + 1, ""),
                    None => sql,
                }
            }
        }
    }

    /// The column removed, with the table constraints that name it (UNIQUE, FOREIGN KEY; the
    /// caller refuses a CHECK or PRIMARY KEY that names it).
    pub fn without_column(&self, column: &str) -> Result<String, Refused> {
        self.column_or_refuse(column)?;
        if self.columns().count() == 1 {
            return Err(format!(
                "\"{column}\" is the only column of \"{}\"",
                self.name.value
            ));
        }
        // One item at a time, each removal read afresh, so no offset goes stale.
        let mut sql = self.sql.to_owned();
        loop {
            let t = super::table::parse(&sql).map_err(|e| {
                format!(
                    "strata cannot read its own edit of \"{}\": {e}",
                    self.name.value
                )
            })?;
            let Some(i) = t.items.iter().position(|it| it.names_column(column)) else {
                return Ok(sql);
            };
            sql = t.without_item(i);
        }
    }

    /// A table constraint added after the last item, separated as the last two items are.
    pub fn with_constraint(&self, clause: &str) -> String {
        let last = self.items.last().expect("a table has a column");
        let separator = match self.items.len().checked_sub(2).map(|i| &self.items[i]) {
            Some(before) if last.comma.is_some() => {
                let gap = &self.sql[before.span.end..last.span.start];
                if gap.trim() == "," {
                    gap.to_owned()
                } else {
                    ", ".to_owned()
                }
            }
            _ => ", ".to_owned(),
        };
        splice(
            self.sql,
            last.span.end..last.span.end,
            &format!("{separator}{clause}"),
        )
    }

    /// The foreign key strata calls `name` removed, or, when `with` is given, replaced: in
    /// place when it is a table constraint, else removed from its column and `with` added as
    /// a table constraint.
    pub fn replacing_foreign_key(&self, name: &str, with: Option<&str>) -> Result<String, Refused> {
        let fk = self.foreign_key(name).ok_or_else(|| {
            format!(
                "the CREATE TABLE text of \"{}\" has no foreign key \"{name}\"",
                self.name.value
            )
        })?;
        match (fk.place, with) {
            (Place::Table(i), Some(text)) => Ok(splice(self.sql, self.items[i].span.clone(), text)),
            (Place::Table(i), None) => Ok(self.without_item(i)),
            (Place::Column(i, j), with) => {
                let ItemKind::Column(c) = &self.items[i].kind else {
                    return Err(format!(
                        "foreign key \"{name}\" is not where strata read it"
                    ));
                };
                let k = &c.constraints[j];
                let from = space_before(self.sql, k.span.start);
                let sql = splice(self.sql, from..k.span.end, "");
                Ok(match with {
                    None => sql,
                    Some(text) => super::table::parse(&sql)
                        .map_err(|e| {
                            format!(
                                "strata cannot read its own edit of \"{}\": {e}",
                                self.name.value
                            )
                        })?
                        .with_constraint(text),
                })
            }
        }
    }

    /// The text after `ALTER TABLE … ADD COLUMN <definition>`, as SQLite writes it
    /// (`sqlite3AlterFinishAddColumn`): `, <definition>` inserted at the table's
    /// `addColOffset`, the comma before the first table constraint or else the closing
    /// parenthesis — counted, as SQLite counts it, 13 bytes (`CREATE TABLE `) past the
    /// start of the name.
    pub fn with_added_column(&self, definition: &str) -> String {
        let first_constraint = self
            .items
            .iter()
            .find(|i| matches!(i.kind, ItemKind::Constraint(_)));
        let at = first_constraint.and_then(|i| i.comma).unwrap_or(self.close);
        let offset = (13 + at - self.name.span.start).min(self.sql.len());
        splice(
            self.sql,
            offset..offset,
            &format!(
                ", {}",
                definition.trim_end_matches([';', ' ', '\t', '\n', '\r'])
            ),
        )
    }
}

impl Item {
    /// Whether dropping `column` takes this item with it: the column itself, or a UNIQUE or
    /// FOREIGN KEY table constraint that lists it.
    fn names_column(&self, column: &str) -> bool {
        let same = |n: &str| super::lexer::same_name(n, column);
        match &self.kind {
            ItemKind::Column(c) => same(&c.name.value),
            ItemKind::Constraint(k) => match &k.kind {
                TableConstraintKind::Unique { parts } => parts
                    .iter()
                    .any(|p| p.column.as_ref().is_some_and(|n| same(&n.value))),
                TableConstraintKind::ForeignKey { columns, .. } => {
                    columns.iter().any(|n| same(&n.value))
                }
                _ => false,
            },
        }
    }
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
