//! The PostgreSQL text a later step of the same migration re-creates objects from, as this
//! step leaves it (`StepCompiler::simulate`): the definition of a foreign key, unique constraint or
//! index a step adds (a later `drop_foreign_key`, `drop_index` or `drop_column` re-creates
//! them on rollback from it), and foreign key definitions that name a renamed table or
//! column. Definitions read from the catalog are `pg_get_constraintdef` text, which prints a
//! name bare when it needs no quotes; the rewritten ones quote every name, as strata does.

use strata_core::schema::{ConstraintKind, Snapshot};
use strata_core::steps::Step;
use strata_core::{QualifiedName, StepKind};

use crate::sql::{ident, idents, table as qtable};

/// The spellings `pg_get_constraintdef` may have used for `name`: bare and quoted.
fn spellings(name: &str) -> [String; 2] {
    [name.to_owned(), ident(name)]
}

/// The spellings of a table name in a foreign key's `REFERENCES` (schema-qualified when not
/// in the search path, which strata cannot tell here: both).
fn table_spellings(name: &QualifiedName) -> Vec<String> {
    let mut out: Vec<String> = spellings(&name.name).into_iter().collect();
    if let Some(schema) = &name.schema {
        for s in spellings(schema) {
            for n in spellings(&name.name) {
                out.push(format!("{s}.{n}"));
            }
        }
    }
    out
}

/// `definition` with `REFERENCES old(` made `REFERENCES new(`.
fn rereference(definition: &str, old: &QualifiedName, new: &QualifiedName) -> String {
    for spelled in table_spellings(old) {
        let needle = format!("REFERENCES {spelled}(");
        if definition.contains(&needle) {
            return definition.replacen(&needle, &format!("REFERENCES {}(", qtable(new)), 1);
        }
    }
    definition.to_owned()
}

/// `list` (`a, "b c"`, the inside of a column list) with the column `old` named `new`.
fn rename_in_list(list: &str, old: &str, new: &str) -> String {
    list.split(", ")
        .map(|c| {
            if spellings(old).contains(&c.to_owned()) {
                ident(new)
            } else {
                c.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A foreign key `definition` with column `old` named `new`: in its own column list when
/// `own`, in its referenced column list when `referenced`.
fn rename_fk_column(definition: &str, old: &str, new: &str, own: bool, referenced: bool) -> String {
    let Some(rest) = definition.strip_prefix("FOREIGN KEY (") else {
        return definition.to_owned();
    };
    let Some((cols, after)) = rest.split_once(')') else {
        return definition.to_owned();
    };
    let cols = if own {
        rename_in_list(cols, old, new)
    } else {
        cols.to_owned()
    };
    let after = match (referenced, after.split_once('(')) {
        (true, Some((head, tail))) => match tail.split_once(')') {
            Some((refs, end)) => format!("{head}({}){end}", rename_in_list(refs, old, new)),
            None => after.to_owned(),
        },
        _ => after.to_owned(),
    };
    format!("FOREIGN KEY ({cols}){after}")
}

/// A `CREATE INDEX … ON [schema.]old …` or `CREATE TRIGGER … ON [schema.]old …` definition
/// naming the table `new` instead.
fn retable(definition: &str, old: &str, new: &str) -> String {
    let Some(at) = definition.find(" ON ").map(|i| i + 4) else {
        return definition.to_owned();
    };
    let rest = &definition[at..];
    // The qualified name: parts bare or quoted, joined by dots, up to the next space.
    let mut end = 0;
    let mut last_start = 0;
    let bytes = rest.as_bytes();
    while end < bytes.len() && bytes[end] != b' ' {
        if bytes[end] == b'"' {
            end += 1;
            while end < bytes.len() && !(bytes[end] == b'"' && bytes.get(end + 1) != Some(&b'"')) {
                end += if bytes[end] == b'"' { 2 } else { 1 };
            }
        }
        if bytes.get(end) == Some(&b'.') {
            last_start = end + 1;
        }
        end += 1;
    }
    let end = end.min(rest.len());
    let last = &rest[last_start..end];
    if spellings(old).iter().any(|s| s == last) {
        format!(
            "{}{}{}{}",
            &definition[..at],
            &rest[..last_start],
            ident(new),
            &rest[end..]
        )
    } else {
        definition.to_owned()
    }
}

/// SQL text with the column `old` named `new` (see [`crate::sql::replace_column`]).
fn rename_idents(sql: &str, old: &str, new: &str) -> String {
    crate::sql::replace_column(sql, old, &ident(new))
}

/// `definition` with the column `old` named `new` in what follows `marker` (the name of an
/// index or trigger, and its table, come before it and are left as they are).
fn rename_after(definition: &str, marker: &str, old: &str, new: &str) -> String {
    match definition.find(marker) {
        Some(at) => format!(
            "{}{}",
            &definition[..at],
            rename_idents(&definition[at..], old, new)
        ),
        None => definition.to_owned(),
    }
}

pub fn simulate(step: &Step, _before: &Snapshot, snapshot: &mut Snapshot) {
    let Some(table) = step.kind.spec().table().cloned() else {
        return;
    };
    match &step.kind {
        StepKind::RenameTable(s) => {
            let new = table.with_name(&s.to);
            if let Some(t) = snapshot.table_mut(&new.to_string()) {
                for i in &mut t.indexes {
                    i.definition = retable(&i.definition, &table.name, &s.to);
                }
                for g in &mut t.triggers {
                    g.definition = retable(&g.definition, &table.name, &s.to);
                }
            }
            let refers = |t: &strata_core::schema::Table| {
                t.constraints
                    .iter()
                    .any(|c| c.references.as_ref() == Some(&new))
            };
            for t in snapshot.tables_where(refers) {
                for c in t
                    .constraints
                    .iter_mut()
                    .filter(|c| c.references.as_ref() == Some(&new))
                {
                    c.definition = rereference(&c.definition, &table, &new);
                }
            }
        }
        StepKind::RenameColumn(s) => {
            let (old, new) = (s.column.as_str(), s.to.as_str());
            if let Some(t) = snapshot.table_mut(&table.to_string()) {
                for i in &mut t.indexes {
                    i.definition = rename_after(&i.definition, " USING ", old, new);
                }
                for g in &mut t.triggers {
                    g.definition = rename_after(&g.definition, " FOR EACH ", old, new);
                }
                for c in t
                    .constraints
                    .iter_mut()
                    .filter(|c| c.kind != ConstraintKind::ForeignKey)
                {
                    c.definition = rename_idents(&c.definition, old, new);
                }
            }
            let involved = |t: &strata_core::schema::Table| {
                t.name == table
                    || t.constraints
                        .iter()
                        .any(|c| c.references.as_ref() == Some(&table))
            };
            for t in snapshot.tables_where(involved) {
                let own = t.name == table;
                for c in t
                    .constraints
                    .iter_mut()
                    .filter(|c| c.kind == ConstraintKind::ForeignKey)
                {
                    let referenced = c.references.as_ref() == Some(&table);
                    if own || referenced {
                        c.definition = rename_fk_column(&c.definition, old, new, own, referenced);
                    }
                }
            }
        }
        // PostgreSQL drops with a column the indexes that name it in an expression or a
        // predicate (core's portable effect keeps them: their column lists do not name it),
        // and the sequence a `serial` column owns.
        StepKind::DropColumn(s) => {
            if let Some(t) = snapshot.table_mut(&table.to_string()) {
                t.indexes.retain(|i| {
                    crate::sql::replace_column(&i.definition, &s.column, "NULL") == i.definition
                });
                t.sequences.retain(|q| q.column != s.column);
            }
        }
        // The default converted as the step converts it.
        StepKind::ChangeType(s) => {
            if let Some(c) = snapshot
                .table_mut(&table.to_string())
                .and_then(|t| t.columns.named_mut(&s.column))
            {
                c.default = c
                    .default
                    .as_deref()
                    .map(|d| crate::compile::retyped(d, &c.native_type));
            }
        }
        // A default as PostgreSQL holds it (core's portable effect keeps the file's literal).
        StepKind::SetDefault(s) => {
            if let Some(c) = snapshot
                .table_mut(&table.to_string())
                .and_then(|t| t.columns.named_mut(&s.column))
            {
                c.default = Some(crate::sql::literal(&s.value, &c.native_type));
            }
        }
        StepKind::AddColumn(s) => {
            if let (Some(d), Some(c)) = (
                &s.default,
                snapshot
                    .table_mut(&table.to_string())
                    .and_then(|t| t.columns.named_mut(&s.column)),
            ) {
                c.default = Some(crate::sql::literal(d, &c.native_type));
            }
        }
        StepKind::CreateTable(s) => {
            if let Some(t) = snapshot.table_mut(&table.to_string()) {
                for spec in &s.columns {
                    if let (Some(d), Some(c)) = (&spec.default, t.columns.named_mut(&spec.name)) {
                        c.default = Some(crate::sql::literal(d, &c.native_type));
                    }
                }
            }
        }
        StepKind::AddForeignKey(s) => {
            let Some(t) = snapshot.table_mut(&table.to_string()) else {
                return;
            };
            let name = s.constraint_name();
            if let Some(c) = t.constraints.iter_mut().find(|c| c.name == name) {
                let mut def = format!(
                    "FOREIGN KEY ({}) REFERENCES {}({})",
                    idents(&s.columns),
                    qtable(&s.references.table),
                    idents(&s.references.columns)
                );
                for (what, action) in [("UPDATE", s.on_update.sql()), ("DELETE", s.on_delete.sql())]
                {
                    if action != "NO ACTION" {
                        def.push_str(&format!(" ON {what} {action}"));
                    }
                }
                c.definition = def;
            }
        }
        StepKind::AddUnique(s) => {
            let Some(t) = snapshot.table_mut(&table.to_string()) else {
                return;
            };
            let name = s.constraint_name();
            if let Some(c) = t.constraints.iter_mut().find(|c| c.name == name) {
                c.definition = format!("UNIQUE ({})", idents(&s.columns));
            }
        }
        StepKind::AddIndex(s) => {
            let Some(t) = snapshot.table_mut(&table.to_string()) else {
                return;
            };
            let name = s.index_name();
            if let Some(i) = t.indexes.iter_mut().find(|i| i.name == name) {
                i.definition = format!(
                    "CREATE {}INDEX {} ON {} USING btree ({})",
                    if s.unique { "UNIQUE " } else { "" },
                    ident(&name),
                    qtable(&table),
                    idents(&s.columns)
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_triggers_follow_a_renamed_table() {
        assert_eq!(
            retable(
                "CREATE INDEX i ON public.invoices USING btree (a)",
                "invoices",
                "inv2"
            ),
            "CREATE INDEX i ON public.\"inv2\" USING btree (a)"
        );
        assert_eq!(
            retable(
                "CREATE TRIGGER g BEFORE INSERT ON \"My T\" FOR EACH ROW EXECUTE FUNCTION f()",
                "My T",
                "x"
            ),
            "CREATE TRIGGER g BEFORE INSERT ON \"x\" FOR EACH ROW EXECUTE FUNCTION f()"
        );
    }

    #[test]
    fn a_renamed_table_is_rereferenced_however_it_was_printed() {
        let old = QualifiedName::new("invoices");
        let new = QualifiedName::new("invoices_v2");
        assert_eq!(
            rereference(
                "FOREIGN KEY (r) REFERENCES invoices(id) ON DELETE CASCADE",
                &old,
                &new
            ),
            "FOREIGN KEY (r) REFERENCES \"invoices_v2\"(id) ON DELETE CASCADE"
        );
        let old = QualifiedName::new("Order");
        assert_eq!(
            rereference("FOREIGN KEY (r) REFERENCES \"Order\"(id)", &old, &new),
            "FOREIGN KEY (r) REFERENCES \"invoices_v2\"(id)"
        );
    }

    #[test]
    fn an_index_a_check_and_a_trigger_follow_a_renamed_column() {
        assert_eq!(
            rename_after(
                "CREATE INDEX token ON public.t USING btree (a, token) WHERE (token IS NOT NULL)",
                " USING ",
                "token",
                "tok"
            ),
            "CREATE INDEX token ON public.t USING btree (a, \"tok\") WHERE (\"tok\" IS NOT NULL)"
        );
        assert_eq!(
            rename_idents(
                "CHECK ((\"Token\" >= '-1000 token'::text) AND token(x))",
                "Token",
                "t2"
            ),
            "CHECK ((\"t2\" >= '-1000 token'::text) AND token(x))"
        );
        assert_eq!(
            rename_after("CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW WHEN ((new.token IS NULL)) EXECUTE FUNCTION f()", " FOR EACH ", "token", "c"),
            "CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW WHEN ((new.\"c\" IS NULL)) EXECUTE FUNCTION f()"
        );
    }

    #[test]
    fn a_renamed_column_is_renamed_in_the_lists_that_name_it() {
        let def = "FOREIGN KEY (a, \"B\") REFERENCES t(a, b)";
        assert_eq!(
            rename_fk_column(def, "B", "c", true, false),
            "FOREIGN KEY (a, \"c\") REFERENCES t(a, b)"
        );
        assert_eq!(
            rename_fk_column(def, "a", "z", false, true),
            "FOREIGN KEY (a, \"B\") REFERENCES t(\"z\", b)"
        );
    }
}
