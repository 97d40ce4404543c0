use super::*;

const ORDERS: &str = "CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER,
  amount TEXT DEFAULT '0' CHECK (length(amount) < 20),
  status TEXT NOT NULL DEFAULT 'new' COLLATE NOCASE,
  total_cents INTEGER GENERATED ALWAYS AS (CAST(amount AS INTEGER) * 100) VIRTUAL,
  CONSTRAINT orders_status_ck CHECK (status IN ('new','paid')),
  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)
)";

fn text<'a>(t: &CreateTable<'a>, r: &Range<usize>) -> &'a str {
    &t.sql[r.clone()]
}

#[test]
fn reads_every_column_and_constraint_with_its_span() {
    let t = parse(ORDERS).unwrap();
    assert_eq!(t.name.value, "orders");
    let spans: Vec<&str> = t.items.iter().map(|i| text(&t, &i.span)).collect();
    assert_eq!(
        spans,
        [
            "id INTEGER PRIMARY KEY AUTOINCREMENT",
            "user_id INTEGER",
            "amount TEXT DEFAULT '0' CHECK (length(amount) < 20)",
            "status TEXT NOT NULL DEFAULT 'new' COLLATE NOCASE",
            "total_cents INTEGER GENERATED ALWAYS AS (CAST(amount AS INTEGER) * 100) VIRTUAL",
            "CONSTRAINT orders_status_ck CHECK (status IN ('new','paid'))",
            "CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)",
        ]
    );
    let (_, amount) = t.column("AMOUNT").unwrap();
    assert_eq!(text(&t, amount.ty.as_ref().unwrap()), "TEXT");
    let kinds: Vec<&str> = amount
        .constraints
        .iter()
        .map(|k| text(&t, &k.span))
        .collect();
    assert_eq!(kinds, ["DEFAULT '0'", "CHECK (length(amount) < 20)"]);
    match &amount.constraints[0].kind {
        ColumnConstraintKind::Default { value } => assert_eq!(text(&t, value), "'0'"),
        other => panic!("{other:?}"),
    }
    assert!(t.column("total_cents").unwrap().1.generated());
    assert!(t.autoincrement());
    assert_eq!(t.rowid_alias().unwrap().name.value, "id");
    match &t.items[6].kind {
        ItemKind::Constraint(TableConstraint {
            name: Some(n),
            kind: TableConstraintKind::ForeignKey { columns, clause },
        }) => {
            assert_eq!(n.value, "orders_user_fk");
            assert_eq!(columns[0].value, "user_id");
            assert_eq!(clause.table.value, "users");
            assert_eq!(clause.columns[0].value, "id");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(&ORDERS[t.close..], ")");
}

#[test]
fn names_in_every_quoting_style_and_odd_spacing() {
    let sql = "CREATE TABLE \"odd \"\"t\"\" \" ( [a b] int constraint `fk``1`   references [P](\"x\") on delete cascade on update set null ,\n\t'c' /* note, with a comma */ TEXT -- tail, too\n,constraint\n[named check]\ncheck(\"a b\">0) )";
    let t = parse(sql).unwrap();
    assert_eq!(t.name.value, "odd \"t\" ");
    let (_, a) = t.column("A B").unwrap();
    assert_eq!(text(&t, a.ty.as_ref().unwrap()), "int");
    assert_eq!(a.constraints[0].name.as_ref().unwrap().value, "fk`1");
    match &a.constraints[0].kind {
        ColumnConstraintKind::References(fk) => {
            assert_eq!(fk.table.value, "P");
            assert_eq!(fk.columns[0].value, "x");
        }
        other => panic!("{other:?}"),
    }
    let (_, c) = t.column("c").unwrap();
    assert_eq!(text(&t, c.ty.as_ref().unwrap()), "TEXT");
    let (i, check) = t.constraints().next().unwrap();
    assert_eq!(check.name.as_ref().unwrap().value, "named check");
    assert_eq!(
        text(&t, &t.items[i].span),
        "constraint\n[named check]\ncheck(\"a b\">0)"
    );
    assert_eq!(&sql[t.items[i].comma.unwrap()..][..1], ",");
}

#[test]
fn types_of_several_words_and_arguments() {
    let t = parse(
        "CREATE TABLE t (a UNSIGNED BIG INT, b VARCHAR ( 20 ) NOT NULL, c DECIMAL(10, 2), d)",
    )
    .unwrap();
    let ty = |n: &str| t.column(n).unwrap().1.ty.as_ref().map(|r| text(&t, r));
    assert_eq!(ty("a"), Some("UNSIGNED BIG INT"));
    assert_eq!(ty("b"), Some("VARCHAR ( 20 )"));
    assert_eq!(ty("c"), Some("DECIMAL(10, 2)"));
    assert_eq!(ty("d"), None);
}

#[test]
fn defaults_of_every_form() {
    let t = parse("CREATE TABLE t (a DEFAULT -1, b DEFAULT (lower('X')), c DEFAULT CURRENT_TIMESTAMP NOT NULL, d DEFAULT NULL, e DEFAULT x'00')").unwrap();
    let defaults: Vec<&str> = t
        .columns()
        .map(|(_, c)| match &c.constraints[0].kind {
            ColumnConstraintKind::Default { value } => text(&t, value),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        defaults,
        ["-1", "(lower('X'))", "CURRENT_TIMESTAMP", "NULL", "x'00'"]
    );
    assert!(matches!(
        t.column("c").unwrap().1.constraints[1].kind,
        ColumnConstraintKind::NotNull
    ));
}

#[test]
fn table_options_and_key_lists() {
    let t = parse("CREATE TABLE t (a TEXT, b INT, PRIMARY KEY (a COLLATE nocase DESC, b) UNIQUE (b, lower(a)) ON CONFLICT IGNORE) WITHOUT ROWID, STRICT").unwrap();
    assert!(t.without_rowid && t.strict);
    assert!(t.rowid_alias().is_none());
    let lists: Vec<Vec<Option<String>>> =
        t.constraints()
            .map(|(_, k)| match &k.kind {
                TableConstraintKind::PrimaryKey { parts }
                | TableConstraintKind::Unique { parts } => parts
                    .iter()
                    .map(|p| p.column.as_ref().map(|n| n.value.clone()))
                    .collect(),
                other => panic!("{other:?}"),
            })
            .collect();
    assert_eq!(
        lists,
        [
            vec![Some("a".into()), Some("b".into())],
            vec![Some("b".into()), None]
        ]
    );
    assert!(t.items[3].comma.is_none(), "UNIQUE follows without a comma");
}

#[test]
fn rowid_aliases_follow_sqlite_rules() {
    let alias = |sql: &str| {
        parse(sql)
            .unwrap()
            .rowid_alias()
            .map(|c| c.name.value.clone())
    };
    assert_eq!(
        alias("CREATE TABLE t (id integer PRIMARY KEY)"),
        Some("id".into())
    );
    assert_eq!(
        alias("CREATE TABLE t (id INTEGER, PRIMARY KEY (id DESC))"),
        Some("id".into())
    );
    assert_eq!(alias("CREATE TABLE t (id INTEGER PRIMARY KEY DESC)"), None);
    assert_eq!(alias("CREATE TABLE t (id INT PRIMARY KEY)"), None);
    assert_eq!(
        alias("CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id, v))"),
        None
    );
}

#[test]
fn what_strata_does_not_read_is_an_error_with_a_place() {
    assert!(parse("CREATE VIRTUAL TABLE f USING fts5(a)").is_err());
    assert!(parse("CREATE TABLE t AS SELECT 1").is_err());
    let e = parse("CREATE TABLE t (a INT, b INT CHECK x)").unwrap_err();
    assert_eq!(e.at, 35);
    assert!(e.what.contains("`x`"), "{e}");
    assert!(parse("CREATE TABLE t (a INT").is_err());
}

#[test]
fn temp_if_not_exists_and_schema_names() {
    let t = parse("CREATE TEMP TABLE IF NOT EXISTS main.t (a)").unwrap();
    assert_eq!(t.name.value, "t");
}

/// `is_strict` agrees with the full reading on every placement of the option, and is not
/// fooled by a column or a default that spells STRICT.
#[test]
fn strictness_read_from_the_tokens_agrees_with_the_parse() {
    for sql in [
        "CREATE TABLE t (a INTEGER) STRICT",
        "CREATE TABLE t (a INTEGER) WITHOUT ROWID, strict;",
        "CREATE TABLE t (a INTEGER PRIMARY KEY) STRICT, WITHOUT ROWID",
        "CREATE TABLE t (strict INTEGER, b TEXT DEFAULT 'STRICT')",
        "CREATE TABLE t (a INTEGER CHECK (a IN (1, 2)), \"STRICT\" TEXT) /* STRICT */",
        "CREATE TABLE \"STRICT\" (a INTEGER) WITHOUT ROWID",
        ORDERS,
    ] {
        let parsed = parse(sql).expect(sql).strict;
        assert_eq!(is_strict(sql), parsed, "{sql}");
    }
}
