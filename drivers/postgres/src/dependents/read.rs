//! Reading the full definition of every object a walk found: a few catalog queries for all of
//! them at once, not one per object.

use std::collections::HashMap;

use sqlx::postgres::PgConnection;
use sqlx::Row;
use strata_core::Result;

use super::acl::{Acl, AclItem};
use super::err;
use super::objects::{ColumnExtras, IndexDef, Object, PolicyDef, Relation, RuleDef, TriggerDef};
use super::walk::{Blocked, Graph};

const RELATIONS: &str = "
SELECT c.oid::bigint, n.nspname::text, c.relname::text, c.relkind = 'm', pg_get_userbyid(c.relowner)::text,
       coalesce(c.reloptions, '{}')::text[], ts.spcname::text, nullif(am.amname::text, 'heap'),
       c.relispopulated, c.relpersistence = 't', pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class'),
       c.relacl IS NOT NULL,
       coalesce(array_length(c.relacl, 1) > 1 AND c.relacl[1] = (acldefault('r', c.relowner))[1], false),
       (SELECT string_agg(e.extname::text, ', ') FROM pg_depend x JOIN pg_extension e ON e.oid = x.refobjid
        WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid
          AND x.refclassid = 'pg_extension'::regclass AND x.deptype = 'e')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
LEFT JOIN pg_am am ON am.oid = c.relam
WHERE c.oid = ANY($1::bigint[]::oid[])";

/// Every ACL item of the relations and of their columns, in each ACL's own order.
const ACLS: &str = "
SELECT c.oid::bigint, NULL::text AS col, u.o::bigint, pg_get_userbyid(x.grantor)::text,
       CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee)::text END,
       x.privilege_type::text, x.is_grantable
FROM pg_class c, unnest(c.relacl) WITH ORDINALITY u(item, o), aclexplode(ARRAY[u.item]) x
WHERE c.oid = ANY($1::bigint[]::oid[])
UNION ALL
SELECT a.attrelid::bigint, a.attname::text, u.o::bigint, pg_get_userbyid(x.grantor)::text,
       CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee)::text END,
       x.privilege_type::text, x.is_grantable
FROM pg_attribute a, unnest(a.attacl) WITH ORDINALITY u(item, o), aclexplode(ARRAY[u.item]) x
WHERE a.attrelid = ANY($1::bigint[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, 2 NULLS FIRST, 3";

const COLUMNS: &str = "
SELECT a.attrelid::bigint, a.attname::text, col_description(a.attrelid, a.attnum), pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::bigint[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, a.attnum";

const INDEXES: &str = "
SELECT i.indrelid::bigint, ic.relname::text, pg_get_indexdef(i.indexrelid), i.indisclustered,
       obj_description(i.indexrelid, 'pg_class')
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY($1::bigint[]::oid[])
ORDER BY 1, 2";

/// Rules of the relations (but their `_RETURN` rule, which is the view), and the rules `$2`.
const RULES: &str = "
SELECT r.oid::bigint, r.ev_class::bigint, n.nspname::text, c.relname::text, r.rulename::text,
       pg_get_ruledef(r.oid), r.ev_enabled::text, obj_description(r.oid, 'pg_rewrite'),
       pg_describe_object('pg_rewrite'::regclass, r.oid, 0)
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (r.ev_class = ANY($1::bigint[]::oid[]) AND r.rulename <> '_RETURN') OR r.oid = ANY($2::bigint[]::oid[])
ORDER BY 2, 5";

/// Triggers of the relations, and the triggers `$2`. A partition's copy of a trigger is left
/// out (`tgparentid`, read through `to_jsonb` because servers before 13 lack the column and
/// mark such copies internal instead): it comes back with its parent's.
const TRIGGERS: &str = "
SELECT t.oid::bigint, t.tgrelid::bigint, n.nspname::text, c.relname::text, t.tgname::text,
       pg_get_triggerdef(t.oid), t.tgenabled::text, obj_description(t.oid, 'pg_trigger'),
       pg_describe_object('pg_trigger'::regclass, t.oid, 0)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (t.tgrelid = ANY($1::bigint[]::oid[]) OR t.oid = ANY($2::bigint[]::oid[])) AND NOT t.tgisinternal
  AND coalesce((to_jsonb(t) ->> 'tgparentid')::oid, 0) = 0
ORDER BY 2, 5";

const POLICIES: &str = "
SELECT p.oid::bigint, n.nspname::text, c.relname::text, p.polname::text, p.polcmd::text, p.polpermissive,
       ARRAY(SELECT CASE WHEN r.role = 0 THEN NULL ELSE pg_get_userbyid(r.role)::text END
             FROM unnest(p.polroles) WITH ORDINALITY r(role, o) ORDER BY r.o),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       obj_description(p.oid, 'pg_policy'), pg_describe_object('pg_policy'::regclass, p.oid, 0)
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.oid = ANY($1::bigint[]::oid[])
ORDER BY 2, 3, 4";

/// Reads every object of `graph`, in the order they are re-created: the relations in
/// dependency order, then the rules, policies and triggers on other relations. Relations that
/// cannot be carried (a temporary view of another session, a view an extension owns) are
/// added to `blocked`.
pub async fn definitions(
    conn: &mut PgConnection,
    graph: &Graph,
    blocked: &mut Vec<Blocked>,
) -> Result<Vec<Object>> {
    let rels: Vec<i64> = graph.relations.iter().map(|r| r.oid).collect();
    let leaf = |class: &str| -> Vec<i64> {
        graph
            .leaves
            .iter()
            .filter(|(c, _)| *c == class)
            .map(|(_, f)| f.oid)
            .collect()
    };

    let mut by_oid: HashMap<i64, Relation> = HashMap::new();
    for r in sqlx::query(RELATIONS)
        .bind(&rels)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("dependent views"))?
    {
        let oid: i64 = r.get(0);
        let found = graph
            .relations
            .iter()
            .find(|f| f.oid == oid)
            .expect("queried");
        if r.get::<bool, _>(9) {
            blocked.push(Blocked {
                label: found.label.clone(),
                why: "temporary: strata does not re-create temporary objects".into(),
            });
        }
        if let Some(ext) = r.get::<Option<String>, _>(14) {
            blocked.push(Blocked {
                label: found.label.clone(),
                why: format!(
                    "belongs to extension {ext}: strata does not re-create extension objects"
                ),
            });
        }
        let acl = r.get::<bool, _>(12).then(|| Acl {
            items: Vec::new(),
            starts_with_default: r.get(13),
        });
        by_oid.insert(
            oid,
            Relation {
                label: found.label.clone(),
                schema: r.get(1),
                name: r.get(2),
                materialized: r.get(3),
                owner: r.get(4),
                options: r.get(5),
                tablespace: r.get(6),
                access_method: r.get(7),
                populated: r.get(8),
                definition: r.get(10),
                comment: r.get(11),
                acl,
                columns: Vec::new(),
                indexes: Vec::new(),
                rules: Vec::new(),
                triggers: Vec::new(),
            },
        );
    }

    let mut column_acls: HashMap<(i64, String), Vec<AclItem>> = HashMap::new();
    let mut last: Option<(i64, Option<String>, i64)> = None;
    for r in sqlx::query(ACLS)
        .bind(&rels)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("grants"))?
    {
        let key: (i64, Option<String>, i64) = (r.get(0), r.get(1), r.get(2));
        let privilege: (String, bool) = (r.get(5), r.get(6));
        let items = match &key.1 {
            None => {
                &mut by_oid
                    .get_mut(&key.0)
                    .expect("queried")
                    .acl
                    .get_or_insert_with(|| Acl {
                        items: Vec::new(),
                        starts_with_default: false,
                    })
                    .items
            }
            Some(col) => column_acls.entry((key.0, col.clone())).or_default(),
        };
        if last.as_ref() == Some(&key) {
            items
                .last_mut()
                .expect("item begun")
                .privileges
                .push(privilege);
        } else {
            items.push(AclItem {
                grantor: r.get(3),
                grantee: r.get(4),
                privileges: vec![privilege],
            });
        }
        last = Some(key);
    }

    for r in sqlx::query(COLUMNS)
        .bind(&rels)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("view columns"))?
    {
        let (oid, name): (i64, String) = (r.get(0), r.get(1));
        let acl = column_acls.remove(&(oid, name.clone())).unwrap_or_default();
        let extras = ColumnExtras {
            name,
            comment: r.get(2),
            default: r.get(3),
            acl,
        };
        if extras.comment.is_some() || extras.default.is_some() || !extras.acl.is_empty() {
            by_oid.get_mut(&oid).expect("queried").columns.push(extras);
        }
    }
    for r in sqlx::query(INDEXES)
        .bind(&rels)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("materialized view indexes"))?
    {
        by_oid
            .get_mut(&r.get(0))
            .expect("queried")
            .indexes
            .push(IndexDef {
                name: r.get(1),
                definition: r.get(2),
                clustered: r.get(3),
                comment: r.get(4),
            });
    }

    let mut leaves: HashMap<(&str, i64), Object> = HashMap::new();
    for r in sqlx::query(RULES)
        .bind(&rels)
        .bind(leaf("pg_rewrite"))
        .fetch_all(&mut *conn)
        .await
        .map_err(err("rules"))?
    {
        let rule = RuleDef {
            label: r.get(8),
            schema: r.get(2),
            table: r.get(3),
            name: r.get(4),
            definition: r.get(5),
            enabled: r.get(6),
            comment: r.get(7),
        };
        match by_oid.get_mut(&r.get(1)) {
            Some(rel) => rel.rules.push(rule),
            None => drop(leaves.insert(("pg_rewrite", r.get(0)), Object::Rule(rule))),
        }
    }
    for r in sqlx::query(TRIGGERS)
        .bind(&rels)
        .bind(leaf("pg_trigger"))
        .fetch_all(&mut *conn)
        .await
        .map_err(err("triggers"))?
    {
        let trigger = TriggerDef {
            label: r.get(8),
            schema: r.get(2),
            table: r.get(3),
            name: r.get(4),
            definition: r.get(5),
            enabled: r.get(6),
            comment: r.get(7),
        };
        match by_oid.get_mut(&r.get(1)) {
            Some(rel) => rel.triggers.push(trigger),
            None => drop(leaves.insert(("pg_trigger", r.get(0)), Object::Trigger(trigger))),
        }
    }
    for r in sqlx::query(POLICIES)
        .bind(leaf("pg_policy"))
        .fetch_all(&mut *conn)
        .await
        .map_err(err("policies"))?
    {
        leaves.insert(
            ("pg_policy", r.get(0)),
            Object::Policy(PolicyDef {
                label: r.get(10),
                schema: r.get(1),
                table: r.get(2),
                name: r.get(3),
                command: r.get(4),
                permissive: r.get(5),
                roles: r.get(6),
                using: r.get(7),
                check: r.get(8),
                comment: r.get(9),
            }),
        );
    }

    let mut objects: Vec<Object> = graph
        .relations
        .iter()
        .filter_map(|f| by_oid.remove(&f.oid))
        .map(Object::Relation)
        .collect();
    objects.extend(
        graph
            .leaves
            .iter()
            .filter_map(|(class, f)| leaves.remove(&(*class, f.oid))),
    );
    Ok(objects)
}
