use strata_core::schema::{Column, Index, Table, Trigger};
use strata_core::QualifiedName;

use super::*;

fn table(sql: &str, columns: &[&str]) -> Table {
    let mut t = Table::new(QualifiedName::new("orders"));
    t.definition = Some(sql.to_owned());
    t.columns = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            name: (*c).to_owned(),
            position: i as u32 + 1,
            native_type: String::new(),
            portable: None,
            nullable: true,
            default: None,
            identity: None,
            definition: None,
        })
        .collect();
    t
}

#[test]
fn set_aside_created_from_the_text_copied_and_everything_re_created() {
    let sql = "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, amount TEXT, cents INT AS (amount * 100))";
    let mut t = table(sql, &["id", "amount"]);
    t.indexes.push(Index {
        name: "orders_amount".into(),
        columns: vec!["amount".into()],
        unique: false,
        definition: "CREATE INDEX orders_amount ON orders(amount)".into(),
        valid: true,
    });
    t.triggers.push(Trigger {
        name: "orders_t".into(),
        definition: "CREATE TRIGGER orders_t AFTER INSERT ON orders BEGIN SELECT 1; END".into(),
    });
    let from = parse(sql).unwrap();
    let to = sql.replace("amount TEXT", "amount BIGINT");
    let values = [(
        "amount".to_owned(),
        "CAST(strata_row.\"amount\" AS INTEGER)".to_owned(),
    )];
    let r = Rebuild {
        table: &t,
        from: &from,
        to: &to,
        values: &values,
    };
    assert_eq!(
        r.statements().unwrap(),
        [
            "PRAGMA legacy_alter_table = ON",
            "ALTER TABLE \"orders\" RENAME TO \"strata_tmp_orders\"",
            &to,
            "INSERT INTO \"orders\" (\"id\", \"amount\") SELECT strata_row.\"id\", CAST(strata_row.\"amount\" AS INTEGER) FROM \"strata_tmp_orders\" strata_row",
            "DELETE FROM sqlite_sequence WHERE name = 'orders'",
            "UPDATE sqlite_sequence SET name = 'orders' WHERE name = 'strata_tmp_orders'",
            "DROP TABLE \"strata_tmp_orders\"",
            "CREATE INDEX orders_amount ON orders(amount)",
            "CREATE TRIGGER orders_t AFTER INSERT ON orders BEGIN SELECT 1; END",
        ]
        .join(";\n")
    );
}

#[test]
fn rowids_are_kept_where_no_column_is_the_rowid() {
    let sql = "CREATE TABLE orders (rowid TEXT, note TEXT)";
    let t = table(sql, &["rowid", "note"]);
    let from = parse(sql).unwrap();
    let to = "CREATE TABLE orders (rowid TEXT, note TEXT NOT NULL)";
    let r = Rebuild {
        table: &t,
        from: &from,
        to,
        values: &[],
    };
    assert!(
        r.statements().unwrap().contains(
            "INSERT INTO \"orders\" (oid, \"rowid\", \"note\") SELECT strata_row.oid, strata_row.\"rowid\", strata_row.\"note\""
        ),
        "{}",
        r.statements().unwrap()
    );
    let sql = "CREATE TABLE orders (k TEXT PRIMARY KEY, v) WITHOUT ROWID";
    let t = table(sql, &["k", "v"]);
    let from = parse(sql).unwrap();
    let r = Rebuild {
        table: &t,
        from: &from,
        to: sql,
        values: &[],
    };
    assert!(r
        .statements()
        .unwrap()
        .contains("INSERT INTO \"orders\" (\"k\", \"v\") SELECT"));
}

#[test]
fn a_table_that_names_itself_in_a_check_is_copied_aside_not_renamed() {
    let sql =
        "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, v INT CHECK (orders.v > 0), w)";
    let t = table(sql, &["id", "v", "w"]);
    let from = parse(sql).unwrap();
    let to =
        "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, v INT CHECK (orders.v > 0))";
    let r = Rebuild {
        table: &t,
        from: &from,
        to,
        values: &[],
    };
    assert_eq!(
        r.statements().unwrap(),
        [
            "CREATE TABLE \"strata_tmp_orders\" (strata_rowid, \"id\", \"v\", \"w\")",
            "INSERT INTO \"strata_tmp_orders\" SELECT NULL, \"id\", \"v\", \"w\" FROM \"orders\"",
            "UPDATE sqlite_sequence SET name = 'strata_tmp_orders' WHERE name = 'orders'",
            "DROP TABLE \"orders\"",
            to,
            "INSERT INTO \"orders\" (\"id\", \"v\") SELECT strata_row.\"id\", strata_row.\"v\" FROM \"strata_tmp_orders\" strata_row",
            "DELETE FROM sqlite_sequence WHERE name = 'orders'",
            "UPDATE sqlite_sequence SET name = 'orders' WHERE name = 'strata_tmp_orders'",
            "DROP TABLE \"strata_tmp_orders\"",
        ]
        .join(";\n")
    );
}
