//! Everything PostgreSQL reports about a database's schema and rows, read from the catalogs
//! over a plain connection of its own, so tests compare what the engine has, not what
//! strata's inspection models: every relation with its owner, grants, options and comment;
//! every column with its type, collation, default, identity, generation, grants and comment;
//! constraints and indexes by `pg_get_*def`; triggers, rules, policies, view and materialized
//! view definitions, sequences with their values, functions, types, schemas; and per table
//! its row count and an order-independent digest of its rows (`to_jsonb`, so column order does
//! not count: PostgreSQL cannot put a dropped column back in place).
//!
//! strata's history table is left out; anything else strata leaves behind shows.

use std::collections::BTreeMap;

use sqlx::{Connection, Row};

/// Object (`column public.users.age`) → what the engine says of it.
pub type Catalog = BTreeMap<String, String>;

const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// Relations strata owns: the history table and what belongs to it.
const NOT_STRATA: &str =
    "NOT (n.nspname = current_schema() AND c.relname LIKE 'strata\\_migrations%')";

/// Each query yields `(object, description)` text pairs.
fn queries() -> Vec<String> {
    let rel = format!(
        "SELECT c.*, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname, n.nspname
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {USER_SCHEMAS} AND {NOT_STRATA}"
    );
    vec![
        format!(
            "SELECT 'schema ' || quote_ident(n.nspname),
                    concat_ws(' ', 'owner=' || pg_get_userbyid(n.nspowner), 'acl=' || n.nspacl::text,
                              'comment=' || obj_description(n.oid, 'pg_namespace'))
             FROM pg_namespace n WHERE {USER_SCHEMAS}"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'relation ' || r.qname,
                    concat_ws(' ', 'kind=' || r.relkind::text, 'owner=' || pg_get_userbyid(r.relowner),
                              'acl=' || r.relacl::text, 'options=' || r.reloptions::text,
                              'persistence=' || r.relpersistence::text,
                              'rls=' || r.relrowsecurity || '/' || r.relforcerowsecurity,
                              'populated=' || r.relispopulated,
                              'replica_identity=' || r.relreplident::text,
                              'comment=' || obj_description(r.oid, 'pg_class'))
             FROM r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'definition ' || r.qname, pg_get_viewdef(r.oid)
             FROM r WHERE r.relkind IN ('v', 'm')"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'column ' || r.qname || '.' || quote_ident(a.attname),
                    concat_ws(' ', 'type=' || format_type(a.atttypid, a.atttypmod),
                              'not_null=' || a.attnotnull,
                              'default=' || pg_get_expr(d.adbin, d.adrelid),
                              'identity=' || nullif(a.attidentity::text, ''),
                              'generated=' || nullif(a.attgenerated::text, ''),
                              'collation=' || CASE WHEN a.attcollation <> t.typcollation
                                                   THEN co.collname END,
                              'acl=' || a.attacl::text,
                              'comment=' || col_description(r.oid, a.attnum))
             FROM r JOIN pg_attribute a ON a.attrelid = r.oid
             JOIN pg_type t ON t.oid = a.atttypid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             LEFT JOIN pg_collation co ON co.oid = a.attcollation
             WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'v', 'm', 'f')"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'constraint ' || r.qname || '.' || quote_ident(k.conname),
                    concat_ws(' ', pg_get_constraintdef(k.oid), 'validated=' || k.convalidated,
                              'comment=' || obj_description(k.oid, 'pg_constraint'))
             FROM r JOIN pg_constraint k ON k.conrelid = r.oid"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'index ' || quote_ident(r.nspname) || '.' || quote_ident(ic.relname),
                    concat_ws(' ', pg_get_indexdef(i.indexrelid), 'valid=' || i.indisvalid,
                              'clustered=' || i.indisclustered,
                              'comment=' || obj_description(i.indexrelid, 'pg_class'))
             FROM r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'trigger ' || r.qname || '.' || quote_ident(g.tgname),
                    concat_ws(' ', pg_get_triggerdef(g.oid), 'enabled=' || g.tgenabled::text,
                              'comment=' || obj_description(g.oid, 'pg_trigger'))
             FROM r JOIN pg_trigger g ON g.tgrelid = r.oid WHERE NOT g.tgisinternal"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'rule ' || r.qname || '.' || quote_ident(w.rulename),
                    concat_ws(' ', pg_get_ruledef(w.oid), 'enabled=' || w.ev_enabled::text,
                              'comment=' || obj_description(w.oid, 'pg_rewrite'))
             FROM r JOIN pg_rewrite w ON w.ev_class = r.oid WHERE w.rulename <> '_RETURN'"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'policy ' || r.qname || '.' || quote_ident(p.polname),
                    concat_ws(' ', 'cmd=' || p.polcmd::text, 'permissive=' || p.polpermissive,
                              'roles=' || p.polroles::regrole[]::text,
                              'using=' || pg_get_expr(p.polqual, p.polrelid),
                              'check=' || pg_get_expr(p.polwithcheck, p.polrelid))
             FROM r JOIN pg_policy p ON p.polrelid = r.oid"
        ),
        format!(
            "WITH r AS ({rel})
             SELECT 'sequence ' || r.qname,
                    concat_ws(' ', 'type=' || format_type(s.seqtypid, NULL), 'start=' || s.seqstart,
                              'increment=' || s.seqincrement, 'min=' || s.seqmin, 'max=' || s.seqmax,
                              'cache=' || s.seqcache, 'cycle=' || s.seqcycle,
                              'last_value=' || ps.last_value,
                              'owned_by=' || (SELECT oc.relname || '.' || a.attname
                                              FROM pg_depend d JOIN pg_class oc ON oc.oid = d.refobjid
                                              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                              WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                                                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                                              LIMIT 1))
             FROM r JOIN pg_sequence s ON s.seqrelid = r.oid
             LEFT JOIN pg_sequences ps ON ps.schemaname = r.nspname AND ps.sequencename = r.relname"
        ),
        format!(
            "SELECT 'function ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
                    || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                    concat_ws(' ', pg_get_functiondef(p.oid), 'owner=' || pg_get_userbyid(p.proowner),
                              'acl=' || p.proacl::text, 'comment=' || obj_description(p.oid, 'pg_proc'))
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE {USER_SCHEMAS} AND p.prokind IN ('f', 'p')
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        ),
        format!(
            "SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname),
                    concat_ws(' ', 'kind=' || t.typtype::text, 'base=' || format_type(t.typbasetype, t.typtypmod),
                              'not_null=' || t.typnotnull, 'default=' || t.typdefault,
                              'labels=' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                            FROM pg_enum e WHERE e.enumtypid = t.oid),
                              'checks=' || (SELECT string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
                                            FROM pg_constraint k WHERE k.contypid = t.oid),
                              'comment=' || obj_description(t.oid, 'pg_type'))
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE {USER_SCHEMAS} AND t.typtype IN ('e', 'd')"
        ),
    ]
}

/// Reads the catalog of the database at `url`.
pub async fn read(url: &str) -> Result<Catalog, sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut out = Catalog::new();
    for q in queries() {
        for row in sqlx::query(&q).fetch_all(&mut conn).await? {
            let key: String = row.try_get(0)?;
            let value: Option<String> = row.try_get(1)?;
            out.insert(key, value.unwrap_or_default());
        }
    }
    let tables: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {USER_SCHEMAS} AND {NOT_STRATA} AND c.relkind IN ('r', 'p', 'm')
           AND (c.relkind <> 'm' OR c.relispopulated)"
    ))
    .fetch_all(&mut conn)
    .await?;
    for t in tables {
        let digest: String = sqlx::query_scalar(&format!(
            "SELECT count(*) || ' rows ' || coalesce(md5(string_agg(h, '' ORDER BY h)), '-')
             FROM (SELECT md5(to_jsonb(t)::text) AS h FROM {t} t) s"
        ))
        .fetch_one(&mut conn)
        .await?;
        out.insert(format!("rows {t}"), digest);
    }
    conn.close().await?;
    Ok(out)
}
