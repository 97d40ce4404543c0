//! Reading the live schema from the PostgreSQL catalogs. Definitions come from the server's
//! own `pg_get_*def` functions, so a rollback re-creates exactly what was there.

use std::collections::BTreeMap;

use sqlx::Row;
use strata_core::schema::{
    Column, Constraint, ConstraintKind, Index, Sequence, Snapshot, Table, Trigger,
};
use strata_core::{Error, QualifiedName, Result, HISTORY_TABLE};

use crate::connection::Session;
use crate::{types, NAME};

/// Tables smaller than this are counted exactly; larger ones use the planner's estimate.
const EXACT_COUNT_BYTES: i64 = 64 * 1024 * 1024;

const TABLES: &str = "
SELECT c.oid::bigint, n.nspname::text, c.relname::text, n.nspname = current_schema() AS is_default,
       c.reltuples::bigint, pg_total_relation_size(c.oid)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT (c.relname = $1 AND n.nspname = current_schema())
ORDER BY 1";

const COLUMNS: &str = "
SELECT a.attrelid::bigint, a.attname::text, a.attnum::int, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid), NULLIF(a.attidentity::text, '')
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, 3";

const CONSTRAINTS: &str = "
SELECT c.conrelid::bigint, c.conname::text, c.contype::text, pg_get_constraintdef(c.oid), c.convalidated,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
       fn.nspname::text, fc.relname::text, fn.nspname = current_schema()
FROM pg_constraint c
LEFT JOIN pg_class fc ON fc.oid = c.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE c.conrelid = ANY($1) AND c.contype IN ('p', 'u', 'c', 'f', 'x')
ORDER BY 1, 2";

const INDEXES: &str = "
SELECT i.indrelid::bigint, ic.relname::text, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisvalid,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                  AND c.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2";

const SEQUENCES: &str = "
SELECT d.refobjid::bigint, a.attname::text, s.oid::regclass::text,
       format('INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %s',
              ps.seqincrement, ps.seqmin, ps.seqmax, ps.seqstart, ps.seqcache,
              CASE WHEN ps.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END),
       format_type(ps.seqtypid, NULL), pg_sequence_last_value(s.oid)
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_sequence ps ON ps.seqrelid = s.oid
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1)
ORDER BY 1, 2";

const TRIGGERS: &str = "
SELECT tgrelid::bigint, tgname::text, pg_get_triggerdef(oid)
FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY($1) ORDER BY 1, 2";

const DEPENDENTS: &str = "
SELECT DISTINCT d.refobjid::bigint, CASE v.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END || v.oid::regclass::text
FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.refobjid = ANY($1) AND v.oid <> d.refobjid
ORDER BY 1, 2";

fn err(what: &str) -> impl Fn(sqlx::Error) -> Error + '_ {
    move |e| Error::database(NAME, format!("reading {what} from the catalog"), e)
}

fn name_of(schema: String, name: String, is_default: bool) -> QualifiedName {
    QualifiedName {
        schema: (!is_default).then_some(schema),
        name,
    }
}

/// Reads every user table of the database (strata's history table excluded).
pub async fn inspect(session: &Session) -> Result<Snapshot> {
    let mut conn = session.conn().await;
    let rows = sqlx::query(TABLES)
        .bind(HISTORY_TABLE)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("tables"))?;
    let mut by_oid: BTreeMap<i64, Table> = BTreeMap::new();
    for r in &rows {
        let estimate: i64 = r.get(4);
        by_oid.insert(
            r.get(0),
            Table {
                rows: estimate.max(0) as u64,
                size_bytes: r.get::<i64, _>(5) as u64,
                ..Table::new(name_of(r.get(1), r.get(2), r.get(3)))
            },
        );
    }
    let oids: Vec<i64> = by_oid.keys().copied().collect();

    for r in sqlx::query(COLUMNS)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("columns"))?
    {
        let native: String = r.get(3);
        let t = by_oid.get_mut(&r.get(0)).expect("column of a listed table");
        t.columns.push(Column {
            name: r.get(1),
            position: r.get::<i32, _>(2) as u32,
            portable: types::portable(&native),
            native_type: native,
            nullable: !r.get::<bool, _>(4),
            default: r.get(5),
            definition: None,
            identity: r.get::<Option<String>, _>(6).map(|k| {
                if k == "a" {
                    "ALWAYS".into()
                } else {
                    "BY DEFAULT".into()
                }
            }),
        });
    }
    for r in sqlx::query(CONSTRAINTS)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("constraints"))?
    {
        let kind = match r.get::<String, _>(2).as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "c" => ConstraintKind::Check,
            "f" => ConstraintKind::ForeignKey,
            _ => ConstraintKind::Exclusion,
        };
        let references = match (r.get::<Option<String>, _>(6), r.get::<Option<String>, _>(7)) {
            (Some(schema), Some(name)) => Some(name_of(
                schema,
                name,
                r.get::<Option<bool>, _>(8).unwrap_or(false),
            )),
            _ => None,
        };
        let columns: Vec<String> = r.get(5);
        let t = by_oid
            .get_mut(&r.get(0))
            .expect("constraint of a listed table");
        if kind == ConstraintKind::PrimaryKey {
            t.primary_key = columns.clone();
        }
        t.constraints.push(Constraint {
            name: r.get(1),
            kind,
            columns,
            references,
            definition: r.get(3),
            validated: r.get(4),
        });
    }
    for r in sqlx::query(INDEXES)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("indexes"))?
    {
        let t = by_oid.get_mut(&r.get(0)).expect("index of a listed table");
        t.indexes.push(Index {
            name: r.get(1),
            definition: r.get(2),
            unique: r.get(3),
            valid: r.get(4),
            columns: r.get(5),
        });
    }
    for r in sqlx::query(SEQUENCES)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("sequences"))?
    {
        let t = by_oid
            .get_mut(&r.get(0))
            .expect("sequence of a listed table");
        t.sequences.push(Sequence {
            column: r.get(1),
            name: r.get(2),
            definition: format!("AS {} {}", r.get::<String, _>(4), r.get::<String, _>(3)),
            last_value: r.get(5),
        });
    }
    for r in sqlx::query(TRIGGERS)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("triggers"))?
    {
        let t = by_oid
            .get_mut(&r.get(0))
            .expect("trigger of a listed table");
        t.triggers.push(Trigger {
            name: r.get(1),
            definition: r.get(2),
        });
    }
    for r in sqlx::query(DEPENDENTS)
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("dependent views"))?
    {
        by_oid
            .get_mut(&r.get(0))
            .expect("dependent of a listed table")
            .dependents
            .push(r.get(1));
    }
    for t in by_oid.values_mut() {
        if t.size_bytes as i64 <= EXACT_COUNT_BYTES {
            let sql = format!(
                "SELECT count(*)::bigint FROM {}",
                crate::sql::table(&t.name)
            );
            let n: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut *conn)
                .await
                .map_err(err("row counts"))?;
            t.rows = n as u64;
        }
    }
    drop(conn);

    let mut snapshot = Snapshot {
        tables: by_oid
            .into_values()
            .map(|t| (t.name.to_string(), t.into()))
            .collect(),
    };
    snapshot.link_references();
    Ok(snapshot)
}
