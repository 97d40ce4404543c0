//! Each expected text is what SQLite 3.46 wrote into `sqlite_master` for the same statement
//! (run under `legacy_alter_table = ON`, except `RENAME TO`, which strata runs with it off).

use super::super::table::parse;
use super::*;

const ORDERS: &str = "CREATE TABLE orders (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  user_id INTEGER,\n  amount TEXT DEFAULT '0' CHECK (length(amount) < 20),\n  status TEXT NOT NULL DEFAULT 'new' COLLATE NOCASE,\n  total_cents INTEGER GENERATED ALWAYS AS (CAST(amount AS INTEGER) * 100) VIRTUAL,\n  CONSTRAINT orders_status_ck CHECK (status IN ('new','paid')),\n  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)\n)";

#[test]
fn rename_column_quoted_as_the_statement_spells_it() {
    // ALTER TABLE "orders" RENAME COLUMN "status" TO "state"
    let t = parse(ORDERS).unwrap();
    assert_eq!(
        column_in_table(&t, "status", "state", false).unwrap(),
        ORDERS
            .replace("  status TEXT", "  \"state\" TEXT")
            .replace("CHECK (status IN", "CHECK (\"state\" IN")
    );
    assert_eq!(
        column_in_index(
            "CREATE UNIQUE INDEX orders_user_status ON orders(user_id, status)",
            "orders",
            "status",
            "state",
            false
        )
        .unwrap(),
        "CREATE UNIQUE INDEX orders_user_status ON orders(user_id, \"state\")"
    );
    // ALTER TABLE orders RENAME COLUMN user_id TO uid2
    assert_eq!(
        column_in_table(&t, "user_id", "uid2", true).unwrap(),
        ORDERS
            .replace("  user_id INTEGER", "  uid2 INTEGER")
            .replace("FOREIGN KEY (user_id)", "FOREIGN KEY (uid2)")
    );
    let audit = parse("CREATE TABLE audit (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES orders(user_id), st TEXT)").unwrap();
    assert_eq!(
        column_in_references(&audit, "orders", "user_id", "uid2", true).unwrap(),
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES orders(uid2), st TEXT)"
    );
    assert_eq!(
        column_in_references(&audit, "users", "user_id", "uid2", true),
        None
    );
    assert_eq!(column_in_table(&t, "nothing", "x", true), None);
}

#[test]
fn rename_column_in_keys_checks_and_self_references() {
    // ALTER TABLE p RENAME COLUMN a TO z
    let t = parse("CREATE TABLE p (a TEXT, b INT, c INT CHECK (p.c > 0) CHECK(c<>a), PRIMARY KEY (a COLLATE nocase DESC, b), UNIQUE (b, a), FOREIGN KEY (b) REFERENCES p(b), FOREIGN KEY (a) REFERENCES p)").unwrap();
    assert_eq!(
        column_in_table(&t, "a", "z", true).unwrap(),
        "CREATE TABLE p (z TEXT, b INT, c INT CHECK (p.c > 0) CHECK(c<>z), PRIMARY KEY (z COLLATE nocase DESC, b), UNIQUE (b, z), FOREIGN KEY (b) REFERENCES p(b), FOREIGN KEY (z) REFERENCES p)"
    );
    assert_eq!(
        column_in_index(
            "CREATE INDEX pi ON p(lower(a), b) WHERE a IS NOT NULL",
            "p",
            "a",
            "z",
            true
        )
        .unwrap(),
        "CREATE INDEX pi ON p(lower(z), b) WHERE z IS NOT NULL"
    );
    // A bracketed or backquoted name comes back double-quoted, even when spelled bare.
    let t = parse("CREATE TABLE q ([a] INT, CHECK (`a` > 0))").unwrap();
    assert_eq!(
        column_in_table(&t, "a", "z", true).unwrap(),
        "CREATE TABLE q (\"z\" INT, CHECK (\"z\" > 0))"
    );
}

#[test]
fn triggers_rewritten_where_strata_can_place_the_column() {
    // ALTER TABLE orders RENAME COLUMN user_id TO uid2; … status TO "state"
    let touch = "CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN UPDATE users SET email = email WHERE id = NEW.user_id; END";
    assert_eq!(
        column_in_trigger(touch, "orders", "user_id", "uid2", true),
        Ok(Some(touch.replace("NEW.user_id", "NEW.uid2")))
    );
    let t2 = "CREATE TRIGGER orders_t2 AFTER UPDATE OF status ON orders WHEN NEW.status <> 'x' BEGIN INSERT INTO audit(uid, st) VALUES (NEW.user_id, NEW.status); END";
    assert_eq!(
        column_in_trigger(t2, "orders", "status", "state", false),
        Ok(Some("CREATE TRIGGER orders_t2 AFTER UPDATE OF \"state\" ON orders WHEN NEW.\"state\" <> 'x' BEGIN INSERT INTO audit(uid, st) VALUES (NEW.user_id, NEW.\"state\"); END".into()))
    );
    assert_eq!(
        column_in_trigger(touch, "orders", "status", "state", true),
        Ok(None)
    );
    let on_users = "CREATE TRIGGER u AFTER UPDATE ON users BEGIN INSERT INTO orders(user_id) VALUES (NEW.id); END";
    assert_eq!(
        column_in_trigger(on_users, "orders", "user_id", "x", true),
        Err(Unknown)
    );
    assert_eq!(
        column_in_trigger(on_users, "shops", "user_id", "x", true),
        Ok(None)
    );
}

#[test]
fn rename_table_everywhere_it_is_named() {
    // PRAGMA legacy_alter_table = OFF; ALTER TABLE "orders" RENAME TO "purchases"
    let t = parse("CREATE TABLE orders (id INTEGER PRIMARY KEY, parent INT REFERENCES orders(id), v INT CHECK (orders.v > 0), CONSTRAINT self FOREIGN KEY (v) REFERENCES [orders] (id))").unwrap();
    assert_eq!(
        table_in_table(&t, "orders", "purchases").unwrap(),
        "CREATE TABLE \"purchases\" (id INTEGER PRIMARY KEY, parent INT REFERENCES \"purchases\"(id), v INT CHECK (\"purchases\".v > 0), CONSTRAINT self FOREIGN KEY (v) REFERENCES \"purchases\" (id))"
    );
    assert_eq!(
        table_in_index(
            "CREATE INDEX oi ON orders (v) WHERE orders.v > 1",
            "orders",
            "purchases"
        )
        .unwrap(),
        "CREATE INDEX oi ON \"purchases\" (v) WHERE \"purchases\".v > 1"
    );
    assert_eq!(
        table_in_index(
            "CREATE INDEX oj ON \"orders\"(parent)",
            "orders",
            "purchases"
        )
        .unwrap(),
        "CREATE INDEX oj ON \"purchases\"(parent)"
    );
    let items = parse("CREATE TABLE items (id INTEGER PRIMARY KEY, oid INT REFERENCES orders, x INT, FOREIGN KEY (x) REFERENCES Orders(id))").unwrap();
    assert_eq!(
        table_in_references(&items, "orders", "purchases").unwrap(),
        "CREATE TABLE items (id INTEGER PRIMARY KEY, oid INT REFERENCES \"purchases\", x INT, FOREIGN KEY (x) REFERENCES \"purchases\"(id))"
    );
    assert_eq!(
        table_in_trigger(
            "CREATE TRIGGER t1 AFTER INSERT ON orders BEGIN SELECT 1; END",
            "orders",
            "purchases"
        ),
        Ok(Some(
            "CREATE TRIGGER t1 AFTER INSERT ON \"purchases\" BEGIN SELECT 1; END".into()
        ))
    );
    assert_eq!(
        table_in_trigger("CREATE TRIGGER t3 AFTER INSERT ON orders BEGIN INSERT INTO items(x) VALUES (NEW.id); END", "orders", "purchases"),
        Ok(Some("CREATE TRIGGER t3 AFTER INSERT ON \"purchases\" BEGIN INSERT INTO items(x) VALUES (NEW.id); END".into()))
    );
    assert_eq!(
        table_in_trigger(
            "CREATE TRIGGER t2 AFTER INSERT ON items BEGIN UPDATE orders SET v = 1; END",
            "orders",
            "purchases"
        ),
        Ok(Some(
            "CREATE TRIGGER t2 AFTER INSERT ON items BEGIN UPDATE \"purchases\" SET v = 1; END"
                .into()
        ))
    );
    assert_eq!(
        table_in_trigger(
            "CREATE TRIGGER t5 AFTER INSERT ON items BEGIN SELECT orders(1); END",
            "orders",
            "purchases"
        ),
        Err(Unknown)
    );
    assert_eq!(
        table_in_trigger(
            "CREATE TRIGGER t4 AFTER INSERT ON items BEGIN SELECT 1; END",
            "orders",
            "purchases"
        ),
        Ok(None)
    );
}
