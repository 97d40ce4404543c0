use super::super::table::parse;

const ORDERS: &str = "CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER, -- who
  amount TEXT DEFAULT '0' CHECK (length(amount) < 20),
  status TEXT NOT NULL DEFAULT 'new' COLLATE NOCASE,
  CONSTRAINT orders_status_ck CHECK (status IN ('new','paid')),
  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)
)";

/// `ORDERS` with `from` replaced by `to` (exactly once).
fn orders_with(from: &str, to: &str) -> String {
    assert_eq!(ORDERS.matches(from).count(), 1, "{from}");
    ORDERS.replacen(from, to, 1)
}

fn edit(f: impl Fn(&super::CreateTable<'_>) -> Result<String, String>) -> String {
    let out = f(&parse(ORDERS).unwrap()).unwrap();
    parse(&out).unwrap_or_else(|e| panic!("the edit does not parse: {e}\n{out}"));
    out
}

#[test]
fn change_a_type_and_only_the_type() {
    assert_eq!(
        edit(|t| t.with_type("AMOUNT", "BIGINT")),
        orders_with("amount TEXT", "amount BIGINT")
    );
    let t = parse("CREATE TABLE t (a, b)").unwrap();
    assert_eq!(
        t.with_type("a", "INTEGER").unwrap(),
        "CREATE TABLE t (a INTEGER, b)"
    );
}

#[test]
fn not_null_added_and_removed() {
    assert_eq!(
        edit(|t| t.with_not_null("amount")),
        orders_with(
            "CHECK (length(amount) < 20),",
            "CHECK (length(amount) < 20) NOT NULL,"
        )
    );
    assert_eq!(edit(|t| t.with_not_null("status")), ORDERS);
    assert_eq!(
        edit(|t| t.without_not_null("status")),
        orders_with("status TEXT NOT NULL DEFAULT", "status TEXT DEFAULT")
    );
    let t = parse("CREATE TABLE t (a TEXT CONSTRAINT n NULL, b)").unwrap();
    assert_eq!(
        t.with_not_null("a").unwrap(),
        "CREATE TABLE t (a TEXT CONSTRAINT n NOT NULL, b)"
    );
    let t = parse("CREATE TABLE t (a TEXT CONSTRAINT a_nn NOT NULL ON CONFLICT FAIL /* kept */)")
        .unwrap();
    assert_eq!(
        t.without_not_null("a").unwrap(),
        "CREATE TABLE t (a TEXT /* kept */)"
    );
}

#[test]
fn defaults_set_replaced_and_removed() {
    assert_eq!(
        edit(|t| t.with_default("status", "'paid'")),
        orders_with("DEFAULT 'new'", "DEFAULT 'paid'")
    );
    assert_eq!(
        edit(|t| t.with_default("user_id", "-1")),
        orders_with("user_id INTEGER,", "user_id INTEGER DEFAULT -1,")
    );
    assert_eq!(
        edit(|t| t.without_default("amount")),
        orders_with("TEXT DEFAULT '0' CHECK", "TEXT CHECK")
    );
}

#[test]
fn a_dropped_column_takes_its_foreign_keys_and_unique_lists() {
    assert_eq!(
        edit(|t| t.without_column("user_id")),
        ORDERS.replace("  user_id INTEGER, -- who\n", "").replace(
            ",\n  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)",
            ""
        )
    );
    let t = parse("CREATE TABLE t (a, b, c, UNIQUE (a, b), UNIQUE (c))").unwrap();
    assert_eq!(
        t.without_column("b").unwrap(),
        "CREATE TABLE t (a, c, UNIQUE (c))"
    );
    let t = parse("CREATE TABLE t (a, b)").unwrap();
    assert_eq!(t.without_column("a").unwrap(), "CREATE TABLE t (b)");
    assert_eq!(t.without_column("B").unwrap(), "CREATE TABLE t (a)");
    assert!(parse("CREATE TABLE t (a)")
        .unwrap()
        .without_column("a")
        .is_err());
}

#[test]
fn removals_keep_the_neighbours_comments() {
    let t = parse("CREATE TABLE t (\n  a INT, -- A\n  b INT, -- B\n  c INT  -- C\n)").unwrap();
    assert_eq!(
        t.without_column("b").unwrap(),
        "CREATE TABLE t (\n  a INT, -- A\n  c INT  -- C\n)"
    );
    assert_eq!(
        t.without_column("c").unwrap(),
        "CREATE TABLE t (\n  a INT, -- A\n  b INT -- B\n  -- C\n)"
    );
    let t = parse("CREATE TABLE t (a TEXT -- a\n NOT NULL, b)").unwrap();
    assert_eq!(
        t.without_not_null("a").unwrap(),
        "CREATE TABLE t (a TEXT -- a\n, b)"
    );
    let t = parse("CREATE TABLE t (a, b, PRIMARY KEY (a) UNIQUE (b) FOREIGN KEY (b) REFERENCES p)")
        .unwrap();
    assert_eq!(
        t.replacing_foreign_key("t_b_fkey", None).unwrap(),
        "CREATE TABLE t (a, b, PRIMARY KEY (a) UNIQUE (b))"
    );
}

#[test]
fn constraints_added_in_the_table_style() {
    assert_eq!(
        edit(|t| Ok(t.with_constraint("CONSTRAINT \"x\" FOREIGN KEY (\"id\") REFERENCES \"p\" (\"id\")"))),
        orders_with(
            "REFERENCES users(id)\n",
            "REFERENCES users(id),\n  CONSTRAINT \"x\" FOREIGN KEY (\"id\") REFERENCES \"p\" (\"id\")\n"
        )
    );
    let t = parse("CREATE TABLE t (a) STRICT").unwrap();
    assert_eq!(
        t.with_constraint("CHECK (a)"),
        "CREATE TABLE t (a, CHECK (a)) STRICT"
    );
}

#[test]
fn foreign_keys_replaced_in_place_or_removed() {
    assert_eq!(
        edit(|t| t.replacing_foreign_key("orders_user_fk", Some("CONSTRAINT \"orders_user_fk\" FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE ON UPDATE NO ACTION"))),
        orders_with(
            "CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)",
            "CONSTRAINT \"orders_user_fk\" FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE ON UPDATE NO ACTION"
        )
    );
    assert_eq!(
        edit(|t| t.replacing_foreign_key("orders_user_fk", None)),
        orders_with(
            ",\n  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)",
            ""
        )
    );
    let t = parse("CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER CONSTRAINT [fk p] REFERENCES p(id) NOT NULL)").unwrap();
    assert_eq!(
        t.replacing_foreign_key("fk p", None).unwrap(),
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL)"
    );
    assert_eq!(
        t.replacing_foreign_key("fk p", Some("CONSTRAINT \"fk p\" FOREIGN KEY (\"p\") REFERENCES \"q\" (\"id\")")).unwrap(),
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL, CONSTRAINT \"fk p\" FOREIGN KEY (\"p\") REFERENCES \"q\" (\"id\"))"
    );
    assert!(t.replacing_foreign_key("nope", None).is_err());
}

/// What SQLite 3.46 itself wrote for `ALTER TABLE … ADD COLUMN "note" VARCHAR(20) DEFAULT 'x'`
/// on these tables.
#[test]
fn added_columns_go_where_sqlite_puts_them() {
    let def = "\"note\" VARCHAR(20) DEFAULT 'x'";
    for (before, after) in [
        (
            "CREATE TABLE a (x INT PRIMARY KEY -- c\n , CONSTRAINT k CHECK (x > 0) -- tail\n) WITHOUT ROWID",
            "CREATE TABLE a (x INT PRIMARY KEY -- c\n , \"note\" VARCHAR(20) DEFAULT 'x', CONSTRAINT k CHECK (x > 0) -- tail\n) WITHOUT ROWID",
        ),
        (
            "CREATE TABLE a (x INT PRIMARY KEY /* hi */)",
            "CREATE TABLE a (x INT PRIMARY KEY /* hi */, \"note\" VARCHAR(20) DEFAULT 'x')",
        ),
        (
            "CREATE TABLE a (x INT, y TEXT,\n  UNIQUE (x)\n)",
            "CREATE TABLE a (x INT, y TEXT, \"note\" VARCHAR(20) DEFAULT 'x',\n  UNIQUE (x)\n)",
        ),
        (
            "CREATE TABLE a ([x] INT,\n\t`y` TEXT  -- trailing\n)",
            "CREATE TABLE a ([x] INT,\n\t`y` TEXT  -- trailing\n, \"note\" VARCHAR(20) DEFAULT 'x')",
        ),
    ] {
        assert_eq!(parse(before).unwrap().with_added_column(def), after);
    }
}
