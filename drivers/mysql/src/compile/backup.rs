//! Backups on MySQL: `CREATE TABLE … AS SELECT` (or an empty copy and an `INSERT`, keyed for
//! batches that walk the key), verified by row count and an order-independent content hash
//! (a sum of 64-bit row hashes) of source and copy.

use strata_core::schema::Table;
use strata_core::{Action, ActionKind, QualifiedName, Statement, StepContext};

use super::table_exists;
use crate::sql::{ident, idents, table as qtable};

/// How a backup's rows are hashed for its verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowHash {
    /// `CRC32` and `CRC32C` (two polynomials) of the row, as the two halves of 64 bits:
    /// MariaDB 10.8 and later, where it costs a third of an MD5.
    Crc64,
    /// A 64-bit slice of the row's `MD5`: MySQL, and MariaDB before 10.8 (no `CRC32C`).
    Md5,
}

impl RowHash {
    /// The hash the server has.
    pub fn of(server: &crate::connection::Server) -> Self {
        match server.flavor {
            crate::connection::Flavor::MariaDb
                if strata_core::checks::version_at_least(&server.version, "10.8") =>
            {
                RowHash::Crc64
            }
            _ => RowHash::Md5,
        }
    }
}

/// An order-independent fingerprint of `columns` of the rows of `from` (a table or a
/// parenthesized query): row count and the sum of a 64-bit hash of each row, computed in the
/// scan.
pub(super) fn fingerprint(from: &str, columns: &[String], hash: RowHash) -> String {
    // QUOTE, not JSON_ARRAY: MariaDB embeds a column with a json_valid CHECK as JSON, and
    // the same text in the backup's plain LONGTEXT column as a string, so equal rows hashed
    // differently. QUOTE gives every value (NULL included) one text, whatever the column.
    // The hash is summed as an integer (exact DECIMAL): CONV returns text, which SUM adds as
    // DOUBLE, and rounding then depends on the order the rows are read in (a backup keyed on
    // the table's key and a source read through another index differed).
    let row = format!(
        "CONCAT_WS(',', {})",
        columns
            .iter()
            .map(|c| format!("QUOTE(f.{})", ident(c)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let hashed = match hash {
        RowHash::Crc64 => format!("CRC32({row}) | (CRC32C({row}) << 32)"),
        RowHash::Md5 => format!("CAST(CONV(LEFT(MD5({row}), 16), 16, 10) AS UNSIGNED)"),
    };
    format!("(SELECT COUNT(*) AS n, COALESCE(SUM({hashed}), 0) AS h FROM {from} f)")
}

/// A backup in three resumable actions: create the empty copy (DDL, probed), fill it (DML,
/// journaled in its transaction; its inverse is `restore`, which puts the data back on
/// rollback), and verify it (row count and content hash against the source).
pub(super) fn backup(
    hash: RowHash,
    ctx: &StepContext<'_>,
    backup: &QualifiedName,
    select: &str,
    columns: &[String],
    what: &str,
    restore: String,
) -> Vec<Action> {
    let step = ctx.step.index;
    let bak = qtable(backup);
    vec![
        Action::new(
            step,
            ActionKind::Backup,
            format!("create the backup table {backup} for {what}"),
            Statement::Sql(format!("CREATE TABLE {bak} AS {select} LIMIT 0")),
        )
        .with_inverse(Statement::Sql(format!("DROP TABLE IF EXISTS {bak}")))
        .with_probe(Statement::Sql(table_exists(&backup.name)))
        .creates_backup(backup.to_string())
        .outside_transaction(),
        Action::new(
            step,
            ActionKind::Backup,
            format!("back up {what} to {backup}"),
            Statement::Sql(format!("INSERT INTO {bak} {select}")),
        )
        .with_inverse(Statement::Sql(restore)),
        Action::check(
            step,
            ActionKind::Verify,
            format!("verify backup {backup} (rows and content hash)"),
            Statement::Sql(format!(
                "SELECT NOT (a.n <=> b.n AND a.h <=> b.h) FROM {} a, {} b",
                fingerprint(&format!("({select})"), columns, hash),
                fingerprint(&bak, columns, hash)
            )),
            0,
            format!("the backup {backup} does not match {what}"),
        ),
    ]
}

/// A [`backup`] with a primary key on `key`, for batches that walk it in key order (and
/// for its restore's join); `then` runs in the fill's statement after the copy.
#[allow(clippy::too_many_arguments)]
pub(super) fn keyed_backup(
    hash: RowHash,
    ctx: &StepContext<'_>,
    backup_name: &QualifiedName,
    select: &str,
    columns: &[String],
    key: &[String],
    what: &str,
    restore: String,
    then: &str,
) -> Vec<Action> {
    let mut actions = backup(hash, ctx, backup_name, select, columns, what, restore);
    actions[0].forward = Statement::Sql(format!(
        "CREATE TABLE {} (PRIMARY KEY ({})) AS {select} LIMIT 0",
        qtable(backup_name),
        idents(key)
    ));
    if let Statement::Sql(fill) = &mut actions[1].forward {
        fill.push_str("; ");
        fill.push_str(then);
    }
    actions
}

/// The columns of `SELECT "pk…", extra… FROM t c [WHERE …]`, and the query.
pub(super) fn select_keyed(
    t: &Table,
    extra: &[String],
    filter: Option<&str>,
) -> (String, Vec<String>) {
    (
        strata_sql::actions::select_keyed::<crate::dialect::My>(t, extra, filter),
        strata_sql::actions::keyed_columns(t, extra),
    )
}
