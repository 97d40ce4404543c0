//! Walking `pg_depend` from a column to everything that depends on it, and on those in turn.
//!
//! The server records a dependency from each view's and materialized view's `_RETURN` rule,
//! each rule, policy and trigger, on every column it names. Starting from the column (and the
//! same column of the tables that inherit it: `ALTER TABLE` recurses into them), each round
//! reads what depends on the current frontier, sorts it into what strata re-creates, what the
//! server rebuilds itself (indexes, constraints, the column's own default, statistics), what
//! belongs to a relation being re-created anyway (a materialized view's index, a view's rule or
//! trigger or column default) and what cannot be carried, and continues from the views found.

use std::collections::{BTreeMap, HashMap};

use sqlx::postgres::PgConnection;
use sqlx::Row;
use strata_core::Result;

use super::err;

/// What depends on the frontier `(relation, column)`; column 0 stands for the whole relation
/// (a view found earlier: anything using any of its columns, or its row). A partition's copy
/// of a trigger is told by `tgparentid`, read through `to_jsonb` because servers before 13
/// lack the column (and mark such copies internal instead).
const DEPENDENTS: &str = "
SELECT DISTINCT s.rel::bigint, d.classid::regclass::text, d.objid::bigint, d.refobjsubid::int,
       CASE WHEN ad.oid IS NULL THEN pg_describe_object(d.classid, d.objid, 0)
            ELSE pg_describe_object('pg_class'::regclass, ad.adrelid, ad.adnum) END,
       r.ev_class::bigint, r.rulename = '_RETURN', ad.adrelid::bigint, ad.adnum::int,
       rc.relkind::text, ix.indrelid::bigint, tg.tgrelid::bigint,
       coalesce(tg.tgisinternal OR (to_jsonb(tg) ->> 'tgparentid')::oid <> 0, false), pol.polrelid::bigint
FROM unnest($1::bigint[]::oid[], $2::int[]) AS s(rel, att)
JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = s.rel
                AND (s.att = 0 OR d.refobjsubid = s.att)
LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
LEFT JOIN pg_class rc ON d.classid = 'pg_class'::regclass AND rc.oid = d.objid
LEFT JOIN pg_index ix ON ix.indexrelid = rc.oid
LEFT JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid
LEFT JOIN pg_policy pol ON d.classid = 'pg_policy'::regclass AND pol.oid = d.objid
WHERE d.deptype IN ('n', 'a')
ORDER BY 1, 2, 3";

/// What uses the row type of a view being re-created: a function returning it, a column of
/// that type. Dropping the view would fail on them.
const ROW_TYPE_USERS: &str = "
SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid), pg_describe_object('pg_class'::regclass, v.oid, 0)
FROM pg_class v
JOIN pg_type t ON t.oid = v.reltype
JOIN pg_depend d ON d.refclassid = 'pg_type'::regclass AND d.refobjid IN (t.oid, t.typarray)
WHERE v.oid = ANY($1::bigint[]::oid[]) AND d.deptype = 'n'
ORDER BY 1";

/// A relation, rule, policy or trigger found, with what it was found through.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub oid: i64,
    /// `pg_describe_object`, as the server names it (`view public.v1`).
    pub label: String,
    /// The view it depends on, when it was reached through one rather than the column.
    pub through: Option<String>,
}

/// Everything that depends on a column, sorted by what strata can do with it.
#[derive(Debug, Default)]
pub struct Graph {
    /// Views and materialized views, each after every relation of this list it depends on.
    pub relations: Vec<Found>,
    /// Rules, policies and triggers on relations that are not re-created: (catalog, object).
    pub leaves: Vec<(&'static str, Found)>,
    /// What cannot be carried through the change.
    pub blocked: Vec<Blocked>,
}

/// An object that cannot be dropped and re-created around the change, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    pub label: String,
    pub why: String,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.label, self.why)
    }
}

impl Graph {
    /// Every object found, named for a message: `view public.v2 (through view public.v1)`.
    pub fn names(&self) -> Vec<String> {
        let named = |f: &Found| match &f.through {
            Some(t) => format!("{} (through {t})", f.label),
            None => f.label.clone(),
        };
        self.relations
            .iter()
            .map(named)
            .chain(self.leaves.iter().map(|(_, f)| named(f)))
            .chain(self.blocked.iter().map(|b| b.label.clone()))
            .collect()
    }

    /// Whether nothing depends on the column.
    pub fn is_empty(&self) -> bool {
        self.relations.is_empty() && self.leaves.is_empty() && self.blocked.is_empty()
    }
}

/// One row of [`DEPENDENTS`].
struct Edge {
    parent: i64,
    class: String,
    objid: i64,
    column: i32,
    label: String,
    rule_on: Option<i64>,
    defines_view: Option<bool>,
    default_on: Option<(i64, i32)>,
    relkind: Option<String>,
    index_on: Option<i64>,
    trigger_on: Option<i64>,
    clone: bool,
    policy_on: Option<i64>,
}

/// What one dependency is to strata.
#[derive(Debug, PartialEq)]
enum Kind {
    /// A view or materialized view: re-created, and walked further.
    Relation(i64),
    /// A rule, policy or trigger on relation `on`: re-created (or, when `on` is re-created
    /// itself, with it).
    Leaf(&'static str, i64),
    /// Part of the relation it was found on, re-created with it; or rebuilt by the server
    /// through the change.
    Covered,
    /// Cannot be carried: why.
    Blocked(&'static str),
}

fn classify(e: &Edge, on_base: bool) -> Kind {
    let here = |rel: Option<i64>| rel == Some(e.parent);
    match e.class.as_str() {
        "pg_rewrite" if here(e.rule_on) && !on_base => Kind::Covered,
        "pg_rewrite" if e.defines_view == Some(true) => {
            Kind::Relation(e.rule_on.unwrap_or_default())
        }
        "pg_rewrite" => Kind::Leaf("pg_rewrite", e.rule_on.unwrap_or_default()),
        "pg_policy" => Kind::Leaf("pg_policy", e.policy_on.unwrap_or_default()),
        // A partition's copy of a trigger goes and comes back with the parent's trigger; an
        // internal trigger belongs to a constraint the server keeps.
        "pg_trigger" if e.clone => Kind::Covered,
        "pg_trigger" if here(e.trigger_on) && !on_base => Kind::Covered,
        "pg_trigger" => Kind::Leaf("pg_trigger", e.trigger_on.unwrap_or_default()),
        // Indexes, constraints, extended statistics and owned sequences of the table itself are
        // kept by `ALTER COLUMN … TYPE`; a materialized view's indexes are re-created with it.
        "pg_class" if matches!(e.relkind.as_deref(), Some("i" | "I")) && here(e.index_on) => {
            Kind::Covered
        }
        "pg_class" if e.relkind.as_deref() == Some("S") && on_base => Kind::Covered,
        "pg_constraint" | "pg_statistic_ext" if on_base => Kind::Covered,
        "pg_attrdef" if e.default_on == Some((e.parent, e.column)) && on_base => Kind::Covered,
        "pg_attrdef" if !on_base && e.default_on.map(|d| d.0) == Some(e.parent) => Kind::Covered,
        "pg_attrdef" => Kind::Blocked(
            "a generated column: PostgreSQL cannot change a column it is computed from",
        ),
        "pg_proc" => Kind::Blocked(
            "its SQL-standard body uses it: strata does not re-create function bodies",
        ),
        "pg_publication_rel" => Kind::Blocked(
            "a publication column list or row filter: PostgreSQL cannot change a column it names",
        ),
        _ => Kind::Blocked("strata cannot re-create it"),
    }
}

/// Walks everything that depends on the columns `start` (`(relation, attnum)`: a table and
/// the tables inheriting it).
pub async fn walk(conn: &mut PgConnection, start: &[(i64, i32)]) -> Result<Graph> {
    let bases: Vec<i64> = start.iter().map(|s| s.0).collect();
    let mut frontier: Vec<(i64, i32)> = start.to_vec();
    let mut relations: Vec<Found> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut edges: Vec<(i64, i64)> = Vec::new();
    let mut leaves: BTreeMap<(&'static str, i64), (i64, Found)> = BTreeMap::new();
    let mut blocked: Vec<Blocked> = Vec::new();
    while !frontier.is_empty() {
        let (rels, atts): (Vec<i64>, Vec<i32>) = frontier.drain(..).unzip();
        let rows = sqlx::query(DEPENDENTS)
            .bind(&rels)
            .bind(&atts)
            .fetch_all(&mut *conn)
            .await
            .map_err(err("objects depending on the column"))?;
        for r in rows {
            let e = Edge {
                parent: r.get(0),
                class: r.get(1),
                objid: r.get(2),
                column: r.get(3),
                label: r.get(4),
                rule_on: r.get(5),
                defines_view: r.get(6),
                default_on: r.get::<Option<i64>, _>(7).zip(r.get::<Option<i32>, _>(8)),
                relkind: r.get(9),
                index_on: r.get(10),
                trigger_on: r.get(11),
                clone: r.get(12),
                policy_on: r.get(13),
            };
            let on_base = bases.contains(&e.parent);
            let through = index.get(&e.parent).map(|&i| relations[i].label.clone());
            match classify(&e, on_base) {
                Kind::Relation(view) => {
                    edges.push((e.parent, view));
                    if let std::collections::hash_map::Entry::Vacant(slot) = index.entry(view) {
                        slot.insert(relations.len());
                        relations.push(Found {
                            oid: view,
                            label: e.label.replacen("rule _RETURN on ", "", 1),
                            through,
                        });
                        frontier.push((view, 0));
                    }
                }
                Kind::Leaf(class, on) => {
                    leaves.entry((class, e.objid)).or_insert((
                        on,
                        Found {
                            oid: e.objid,
                            label: e.label,
                            through,
                        },
                    ));
                    edges.push((e.parent, on));
                }
                Kind::Covered => {}
                Kind::Blocked(why) => {
                    let b = Blocked {
                        label: e.label,
                        why: why.to_owned(),
                    };
                    if !blocked.contains(&b) {
                        blocked.push(b);
                    }
                }
            }
        }
    }
    let oids: Vec<i64> = relations.iter().map(|r| r.oid).collect();
    for r in sqlx::query(ROW_TYPE_USERS)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("objects using a view's row type"))?
    {
        blocked.push(Blocked {
            label: r.get(0),
            why: format!(
                "uses the row type of {}, which would have to be dropped",
                r.get::<String, _>(1)
            ),
        });
    }
    // A rule or trigger on a view that is re-created anyway comes back with that view.
    let leaves = leaves
        .into_iter()
        .filter(|(_, (on, _))| !index.contains_key(on))
        .map(|((class, _), (_, found))| (class, found))
        .collect();
    Ok(Graph {
        relations: in_dependency_order(relations, &edges),
        leaves,
        blocked,
    })
}

/// `relations` ordered so that each comes after those it depends on (`edges`: (depended on,
/// dependent)), ties kept in the order found; a cycle (impossible between views) keeps the
/// rest in the order found.
fn in_dependency_order(relations: Vec<Found>, edges: &[(i64, i64)]) -> Vec<Found> {
    let known = |oid: i64| relations.iter().any(|r| r.oid == oid);
    let edges: Vec<(i64, i64)> = edges
        .iter()
        .copied()
        .filter(|(a, b)| a != b && known(*a) && known(*b))
        .collect();
    let mut pending = relations;
    let mut ordered: Vec<Found> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending.iter().position(|r| {
            !edges
                .iter()
                .any(|(a, b)| *b == r.oid && pending.iter().any(|p| p.oid == *a))
        });
        ordered.push(pending.remove(ready.unwrap_or(0)));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(oid: i64) -> Found {
        Found {
            oid,
            label: format!("view v{oid}"),
            through: None,
        }
    }

    fn edge(class: &str, parent: i64) -> Edge {
        Edge {
            parent,
            class: class.into(),
            objid: 100,
            column: 2,
            label: "x".into(),
            rule_on: None,
            defines_view: None,
            default_on: None,
            relkind: None,
            index_on: None,
            trigger_on: None,
            clone: false,
            policy_on: None,
        }
    }

    #[test]
    fn views_come_after_the_views_they_read() {
        // v3 reads v1 and v2, v2 reads v1; found in the order v3, v2, v1.
        let order = in_dependency_order(
            vec![found(3), found(2), found(1)],
            &[(1, 3), (2, 3), (1, 2), (9, 1)],
        );
        let oids: Vec<i64> = order.iter().map(|f| f.oid).collect();
        assert_eq!(oids, vec![1, 2, 3]);
    }

    #[test]
    fn each_dependency_is_carried_rebuilt_or_refused() {
        let view = Edge {
            rule_on: Some(7),
            defines_view: Some(true),
            ..edge("pg_rewrite", 1)
        };
        assert_eq!(classify(&view, true), Kind::Relation(7));
        let own_rule = Edge {
            rule_on: Some(7),
            defines_view: Some(true),
            ..edge("pg_rewrite", 7)
        };
        assert_eq!(classify(&own_rule, false), Kind::Covered);
        let rule_on_table = Edge {
            rule_on: Some(1),
            defines_view: Some(false),
            ..edge("pg_rewrite", 1)
        };
        assert_eq!(classify(&rule_on_table, true), Kind::Leaf("pg_rewrite", 1));
        let own_default = Edge {
            default_on: Some((1, 2)),
            ..edge("pg_attrdef", 1)
        };
        assert_eq!(classify(&own_default, true), Kind::Covered);
        let generated = Edge {
            default_on: Some((1, 3)),
            ..edge("pg_attrdef", 1)
        };
        assert!(matches!(classify(&generated, true), Kind::Blocked(_)));
        assert!(matches!(
            classify(&edge("pg_proc", 1), true),
            Kind::Blocked(w) if w.contains("SQL-standard body")
        ));
        assert_eq!(classify(&edge("pg_constraint", 1), true), Kind::Covered);
        assert!(matches!(
            classify(&edge("pg_constraint", 7), false),
            Kind::Blocked(_)
        ));
        let matview_index = Edge {
            relkind: Some("i".into()),
            index_on: Some(7),
            ..edge("pg_class", 7)
        };
        assert_eq!(classify(&matview_index, false), Kind::Covered);
    }
}
