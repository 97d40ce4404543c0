//! The objects strata drops and re-creates around a change, as read from the catalog, and the
//! SQL that drops and re-creates each. Definitions are the server's own text
//! (`pg_get_viewdef`, `pg_get_ruledef`, `pg_get_triggerdef`, `pg_get_indexdef`,
//! `pg_get_expr`), used as printed; every name strata adds is quoted here.

use super::acl::{self, Acl, AclItem};
use crate::sql::{ident, string};

/// `"schema"."name"`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// A view or materialized view, with everything that goes when it is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// `view public.v1`, as the server names it.
    pub label: String,
    pub schema: String,
    pub name: String,
    pub materialized: bool,
    pub owner: String,
    /// `reloptions` (`security_barrier=true`, `check_option=local`, `fillfactor=70`).
    pub options: Vec<String>,
    pub tablespace: Option<String>,
    /// A materialized view's table access method, when not the default `heap`.
    pub access_method: Option<String>,
    pub populated: bool,
    /// `pg_get_viewdef`.
    pub definition: String,
    pub comment: Option<String>,
    pub acl: Option<Acl>,
    pub columns: Vec<ColumnExtras>,
    pub indexes: Vec<IndexDef>,
    pub rules: Vec<RuleDef>,
    pub triggers: Vec<TriggerDef>,
}

/// What a column of a view carries besides its definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnExtras {
    pub name: String,
    pub comment: Option<String>,
    pub default: Option<String>,
    pub acl: Vec<AclItem>,
}

/// An index of a materialized view.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDef {
    pub name: String,
    /// `pg_get_indexdef`.
    pub definition: String,
    pub clustered: bool,
    pub comment: Option<String>,
}

/// A rule (not a view's `_RETURN` rule).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    pub label: String,
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `pg_get_ruledef`.
    pub definition: String,
    /// `ev_enabled`: `O`, `D`, `R` or `A`.
    pub enabled: String,
    pub comment: Option<String>,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerDef {
    pub label: String,
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `pg_get_triggerdef`.
    pub definition: String,
    /// `tgenabled`: `O`, `D`, `R` or `A`.
    pub enabled: String,
    pub comment: Option<String>,
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDef {
    pub label: String,
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `polcmd`: `r`, `a`, `w`, `d` or `*`.
    pub command: String,
    pub permissive: bool,
    /// In order; `None` is PUBLIC.
    pub roles: Vec<Option<String>>,
    pub using: Option<String>,
    pub check: Option<String>,
    pub comment: Option<String>,
}

/// One object strata drops before the change and re-creates after it.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Relation(Relation),
    Rule(RuleDef),
    Policy(PolicyDef),
    Trigger(TriggerDef),
}

/// `COMMENT ON {on} IS '…'`, when there is a comment.
fn comment(on: String, text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|t| format!("COMMENT ON {on} IS {}", string(t)))
}

/// The statement that puts a trigger or rule back in its enabled state (`O`, the default,
/// needs none).
fn enabled(kind: &str, table: &str, name: &str, state: &str) -> Option<String> {
    let how = match state {
        "D" => "DISABLE",
        "R" => "ENABLE REPLICA",
        "A" => "ENABLE ALWAYS",
        _ => return None,
    };
    Some(format!("ALTER TABLE {table} {how} {kind} {}", ident(name)))
}

/// A definition printed as a statement, without its final semicolon.
fn statement(definition: &str) -> String {
    let d = definition.trim();
    d.strip_suffix(';').unwrap_or(d).trim_end().to_owned()
}

/// `WITH ("name"='value', …)` from `reloptions`.
fn with_options(options: &[String]) -> String {
    if options.is_empty() {
        return String::new();
    }
    let rendered: Vec<String> = options
        .iter()
        .map(|o| {
            let (name, value) = o.split_once('=').unwrap_or((o, "true"));
            format!("{}={}", ident(name), string(value))
        })
        .collect();
    format!(" WITH ({})", rendered.join(", "))
}

impl RuleDef {
    fn create(&self) -> Vec<String> {
        let on = qualified(&self.schema, &self.table);
        let mut out = vec![statement(&self.definition)];
        out.extend(enabled("RULE", &on, &self.name, &self.enabled));
        out.extend(comment(
            format!("RULE {} ON {on}", ident(&self.name)),
            &self.comment,
        ));
        out
    }
}

impl TriggerDef {
    fn create(&self) -> Vec<String> {
        let on = qualified(&self.schema, &self.table);
        let mut out = vec![statement(&self.definition)];
        out.extend(enabled("TRIGGER", &on, &self.name, &self.enabled));
        out.extend(comment(
            format!("TRIGGER {} ON {on}", ident(&self.name)),
            &self.comment,
        ));
        out
    }
}

impl PolicyDef {
    fn create(&self) -> Vec<String> {
        let on = qualified(&self.schema, &self.table);
        let command = match self.command.as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let roles: Vec<String> = self
            .roles
            .iter()
            .map(|r| r.as_deref().map_or_else(|| "PUBLIC".to_owned(), ident))
            .collect();
        let mut sql = format!(
            "CREATE POLICY {} ON {on} AS {} FOR {command} TO {}",
            ident(&self.name),
            if self.permissive {
                "PERMISSIVE"
            } else {
                "RESTRICTIVE"
            },
            roles.join(", ")
        );
        if let Some(u) = &self.using {
            sql.push_str(&format!(" USING ({u})"));
        }
        if let Some(c) = &self.check {
            sql.push_str(&format!(" WITH CHECK ({c})"));
        }
        let mut out = vec![sql];
        out.extend(comment(
            format!("POLICY {} ON {on}", ident(&self.name)),
            &self.comment,
        ));
        out
    }
}

impl Relation {
    fn keyword(&self) -> &'static str {
        if self.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        }
    }

    fn create(&self) -> Vec<String> {
        let q = qualified(&self.schema, &self.name);
        let kw = self.keyword();
        let mut head = format!("CREATE {kw} {q}");
        if let Some(am) = &self.access_method {
            head.push_str(&format!(" USING {}", ident(am)));
        }
        head.push_str(&with_options(&self.options));
        if let Some(ts) = &self.tablespace {
            head.push_str(&format!(" TABLESPACE {}", ident(ts)));
        }
        let body = statement(&self.definition);
        // A materialized view is filled by REFRESH once it belongs to its owner, as pg_dump
        // does: the query then runs with the owner's rights, not strata's.
        let tail = if self.materialized {
            "\nWITH NO DATA"
        } else {
            ""
        };
        let mut out = vec![
            format!("{head} AS\n{body}{tail}"),
            format!("ALTER {kw} {q} OWNER TO {}", ident(&self.owner)),
        ];
        for c in &self.columns {
            if let Some(d) = &c.default {
                out.push(format!(
                    "ALTER {kw} {q} ALTER COLUMN {} SET DEFAULT {d}",
                    ident(&c.name)
                ));
            }
        }
        for i in &self.indexes {
            out.push(statement(&i.definition));
            if i.clustered {
                out.push(format!("ALTER {kw} {q} CLUSTER ON {}", ident(&i.name)));
            }
            out.extend(comment(
                format!("INDEX {}", qualified(&self.schema, &i.name)),
                &i.comment,
            ));
        }
        out.extend(comment(format!("{kw} {q}"), &self.comment));
        for c in &self.columns {
            out.extend(comment(
                format!("COLUMN {q}.{}", ident(&c.name)),
                &c.comment,
            ));
        }
        let object = format!("TABLE {q}");
        if let Some(acl) = &self.acl {
            out.extend(acl::relation_grants(&object, &self.owner, acl));
        }
        for c in &self.columns {
            out.extend(acl::column_grants(&object, &c.name, &self.owner, &c.acl));
        }
        for r in &self.rules {
            out.extend(r.create());
        }
        for t in &self.triggers {
            out.extend(t.create());
        }
        if self.materialized && self.populated {
            out.push(format!("REFRESH MATERIALIZED VIEW {q}"));
        }
        out
    }
}

impl Object {
    /// How the server names it: `view public.v1`, `trigger t on table public.t`.
    pub fn label(&self) -> &str {
        match self {
            Object::Relation(r) => &r.label,
            Object::Rule(r) => &r.label,
            Object::Policy(p) => &p.label,
            Object::Trigger(t) => &t.label,
        }
    }

    /// What goes and comes back with it: a materialized view's indexes, a view's rules and
    /// triggers.
    pub fn parts(&self) -> Vec<String> {
        let Object::Relation(r) = self else {
            return Vec::new();
        };
        let index = r.indexes.iter().map(|i| format!("index {}", i.name));
        let rules = r.rules.iter().map(|x| format!("rule {}", x.name));
        let triggers = r.triggers.iter().map(|t| format!("trigger {}", t.name));
        index.chain(rules).chain(triggers).collect()
    }

    /// The statement that drops it (never CASCADE: what strata did not find stops the change).
    pub fn drop(&self) -> String {
        match self {
            Object::Relation(r) => {
                format!("DROP {} {}", r.keyword(), qualified(&r.schema, &r.name))
            }
            Object::Rule(r) => format!(
                "DROP RULE {} ON {}",
                ident(&r.name),
                qualified(&r.schema, &r.table)
            ),
            Object::Policy(p) => format!(
                "DROP POLICY {} ON {}",
                ident(&p.name),
                qualified(&p.schema, &p.table)
            ),
            Object::Trigger(t) => format!(
                "DROP TRIGGER {} ON {}",
                ident(&t.name),
                qualified(&t.schema, &t.table)
            ),
        }
    }

    /// The statements that re-create it as it was read: definition, options, owner, column
    /// defaults, indexes, comments, grants, rules, triggers, enabled state, data.
    pub fn create(&self) -> Vec<String> {
        match self {
            Object::Relation(r) => r.create(),
            Object::Rule(r) => r.create(),
            Object::Policy(p) => p.create(),
            Object::Trigger(t) => t.create(),
        }
    }
}

#[cfg(test)]
#[path = "objects_tests.rs"]
mod tests;
