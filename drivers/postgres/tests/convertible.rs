//! The native convertibility predicates never disagree with PostgreSQL's own cast: for every
//! pair with a native form, over edge values (whitespace, signs, exponents, overflow by one,
//! leap days, unicode digits and spaces, odd spellings), `Casts::fails` (for the server's version) gives what the
//! probe gives — the cast itself, tried in a subtransaction — and never raises an error. A
//! text that rounds to a `numeric(p,s)` counts as one that would change, as on the other
//! engines.

use strata_conformance::spoil::quote;
use strata_core::{Driver, Statement};
use strata_postgres::compile::convertible::{probe, Casts, CAST_PROBE};
use strata_postgres::testing;

const INTEGERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "+1",
    " 42 ",
    "\t42\n",
    "\u{b}42\u{c}",
    "\r42",
    "42 x",
    "4 2",
    "",
    "  ",
    "-",
    "+",
    "+-1",
    "00012",
    "-0",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "32767",
    "32768",
    "-32768",
    "-32769",
    "99999999999999999999999",
    "1e3",
    "1.0",
    "1.5",
    ".5",
    "0x1F",
    "0X1f",
    "0o17",
    "0b101",
    "1_000",
    "_1",
    "1__0",
    "\u{663}",
    "\u{ff13}",
    "\u{a0}12",
    "12\u{a0}",
    "\u{2003}7",
    "1 000",
    "abc",
    "n/a",
    "12abc",
    "NULL",
    "deadbeef",
    "Infinity",
    "NaN",
];

const NUMERICS: &[&str] = &[
    "0",
    "1.005",
    "1.004",
    "1.995",
    "-1.995",
    "99999999.99",
    "99999999.994",
    "99999999.995",
    "100000000",
    "-99999999.999",
    "1e7",
    "1e8",
    "1E-2",
    "1e-3",
    ".5",
    "5.",
    ".",
    "-.5e+1",
    "+.5E1",
    "NaN",
    "nan",
    " NaN ",
    "Infinity",
    "-inf",
    "inf",
    "1e999",
    "1e1000",
    "1e-1000",
    " 3.14 ",
    "\t3.14\n",
    "abc",
    "",
    "1,5",
    "1.2.3",
    "0x10",
    "1_000.5",
    "\u{661}",
    "\u{a0}1.5",
    "- 1",
    "--1",
    "e5",
    "1e",
    "1e+",
    "12345678901234567890.123",
];

const BOOLEANS: &[&str] = &[
    "t",
    "TRUE",
    " yes ",
    "\tno\n",
    "on",
    "ON",
    "of",
    "off",
    "o",
    "n",
    "no",
    "nope",
    "1",
    "0",
    "2",
    "",
    "truex",
    "Y",
    "ye",
    "FaLsE",
    "fals",
    "tru",
    "yes!",
    "\u{a0}true",
    "\u{2003}t",
];

const DATES: &[&str] = &[
    "2024-02-29",
    "2023-02-29",
    "2000-02-29",
    "1900-02-29",
    "2100-02-29",
    "2400-02-29",
    "2024-04-30",
    "2024-04-31",
    "2024-06-31",
    "2024-12-31",
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
    "2024-01-32",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    " 2024-01-01 ",
    "\t2024-01-01\n",
    "2024-1-1",
    "20240101",
    "Jan 8 1999",
    "today",
    "infinity",
    "epoch",
    "2024-01-01 10:00",
    "2024-02-30",
    "abc",
    "",
    "\u{662}\u{660}\u{662}\u{664}-01-01",
    "10000-01-01",
    "2024-01-01 BC",
    "\u{a0}2024-01-01",
];

const TIMESTAMPS: &[&str] = &[
    "2024-02-29 23:59:59",
    "2024-02-29T12:00",
    "2024-02-29 12:00",
    "2024-01-01 24:00:00",
    "2024-01-01 23:59:60",
    "2024-01-01 10:00:00.1234567",
    "2024-01-01 10:00:00.123456",
    "2024-01-01 10:00:00.5",
    "2023-02-29 00:00",
    "2024-01-01 10:00+02",
    "2024-01-01 10:00Z",
    "epoch",
    " 2024-06-01 01:02:03 ",
    "2024-06-01 1:02:03",
    "2024-06-01 01:60",
    "2024-06-01",
    "2024-06-01 25:00",
    "2024-06-01T",
    "2024-06-01 10",
    "0000-06-01 10:00",
    "abc",
    "",
    "2024-03-31 02:30",
];

const UUIDS: &[&str] = &[
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
    "a0eebc999c0b4ef8bb6d6bb9bd380a11",
    "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
    " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
    "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "",
];

const STRINGS: &[&str] = &[
    "abcde",
    "abcdef",
    "abc  ",
    "abcde ",
    "\u{65e5}\u{672c}\u{8a9e}\u{65e5}\u{672c}",
    "\u{65e5}\u{672c}\u{8a9e}\u{65e5}\u{672c}\u{8a9e}",
    "",
    " ",
    "a\u{301}bcd",
];

/// Every (from, to) pair with its edge values, as SQL literals of `from`.
fn pairs() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let text = |values: &[&str]| values.iter().map(|v| quote(v)).collect::<Vec<_>>();
    let sql = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    vec![
        ("text", "integer", text(INTEGERS)),
        ("text", "smallint", text(INTEGERS)),
        ("text", "bigint", text(INTEGERS)),
        ("character varying(40)", "integer", text(INTEGERS)),
        ("text", "numeric(10,2)", text(NUMERICS)),
        ("text", "numeric(3,3)", text(NUMERICS)),
        ("text", "numeric", text(NUMERICS)),
        ("text", "boolean", text(BOOLEANS)),
        ("text", "date", text(DATES)),
        ("text", "timestamp without time zone", text(TIMESTAMPS)),
        ("text", "timestamp with time zone", text(TIMESTAMPS)),
        ("text", "uuid", text(UUIDS)),
        ("character(40)", "uuid", text(UUIDS)),
        ("character(24)", "integer", text(&INTEGERS[..24])),
        ("text", "character varying(5)", text(STRINGS)),
        (
            "character varying(10)",
            "character varying(5)",
            text(STRINGS),
        ),
        ("text", "text", text(STRINGS)),
        (
            "bigint",
            "integer",
            sql(&[
                "0",
                "2147483647",
                "2147483648",
                "-2147483648",
                "-2147483649",
            ]),
        ),
        (
            "integer",
            "smallint",
            sql(&["32767", "32768", "-32768", "-32769"]),
        ),
        ("integer", "bigint", sql(&["2147483647", "-2147483648"])),
        (
            "numeric",
            "integer",
            sql(&[
                "1.0",
                "1.5",
                "-0.5",
                "2147483647",
                "2147483647.4",
                "2147483647.5",
                "2147483648",
                "-2147483648.0",
                "'NaN'",
                "'Infinity'",
                "'-Infinity'",
                "1e-20",
            ]),
        ),
        (
            "numeric(10,2)",
            "smallint",
            sql(&["32767.00", "32767.01", "-32768", "12.50"]),
        ),
        (
            "integer",
            "numeric(5,2)",
            sql(&["999", "1000", "-999", "-1000", "0"]),
        ),
        ("bigint", "numeric", sql(&["9223372036854775807"])),
        ("integer", "text", sql(&["123", "-2147483648"])),
        (
            "integer",
            "character varying(3)",
            sql(&["123", "1234", "-12", "-123"]),
        ),
        (
            "numeric(10,2)",
            "character varying(4)",
            sql(&["12.50", "1.5", "-1.00"]),
        ),
        ("boolean", "character varying(4)", sql(&["true", "false"])),
        (
            "uuid",
            "character varying(36)",
            sql(&["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"]),
        ),
        (
            "timestamp without time zone",
            "date",
            sql(&[
                "'2024-01-01 00:00'",
                "'2024-01-01 00:00:01'",
                "'2024-01-01 00:00:00.000001'",
                "'infinity'",
                "'-infinity'",
            ]),
        ),
        (
            "date",
            "timestamp without time zone",
            sql(&[
                "'2024-02-29'",
                "'infinity'",
                "'294276-12-31'",
                "'294277-01-01'",
            ]),
        ),
    ]
}

#[tokio::test]
async fn native_predicates_agree_with_the_cast_on_every_edge_value() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let driver = strata_postgres::PostgresDriver::connect(&url).await?;
    let driver: &dyn Driver = &driver;
    driver.execute(&Statement::Sql(CAST_PROBE.into())).await?;
    let casts = Casts {
        version_num: u32::try_from(
            driver
                .query_count(&Statement::Sql(
                    "SELECT current_setting('server_version_num')::bigint".into(),
                ))
                .await?,
        )?,
    };
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for (from, to, values) in pairs() {
        // Values come from a table, never literals in the predicate: a constant would be
        // folded at planning, branches the CASE never takes included.
        driver
            .execute(&Statement::Sql(format!(
                "DROP TABLE IF EXISTS vals; CREATE TABLE vals (i int, v {from})"
            )))
            .await?;
        let rows: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("({i}, {v})"))
            .chain(std::iter::once(format!("({}, NULL)", values.len())))
            .collect();
        driver
            .execute(&Statement::Sql(format!(
                "INSERT INTO vals VALUES {}",
                rows.join(", ")
            )))
            .await?;
        for i in 0..=values.len() {
            let verdicts = driver
                .query_count(&Statement::Sql(format!(
                    "SELECT (CASE WHEN {} THEN 1 ELSE 0 END + CASE WHEN {} THEN 2 ELSE 0 END)::bigint FROM vals WHERE i = {i}",
                    casts.fails("v", from, to),
                    probe("v", from, to)
                )))
                .await
                .map_err(|e| anyhow::anyhow!("{from} → {to}, value #{i}: {e}"))?;
            checked += 1;
            if verdicts == 1 || verdicts == 2 {
                let shown = values.get(i).map_or("NULL", String::as_str);
                disagreements.push(format!(
                    "{from} → {to}: {shown:?} native says {}, the cast says {}",
                    if verdicts == 1 { "fails" } else { "converts" },
                    if verdicts == 2 { "fails" } else { "converts" },
                ));
            }
        }
    }
    // A text that rounds to the scale would change: incompatible, as from a number and on
    // the other engines (`1.005` to two places); trailing zeros change nothing.
    driver
        .execute(&Statement::Sql(
            "DROP TABLE IF EXISTS vals; CREATE TABLE vals (i int, v text); \
             INSERT INTO vals VALUES (1, '1.005'), (2, '2.999'), (3, '-0.004'), (4, ' 1.50 '), (5, '1.5000'), (6, '7')"
                .into(),
        ))
        .await?;
    let rounding = driver
        .query_count(&Statement::Sql(format!(
            "SELECT sum(CASE WHEN {} THEN i ELSE 0 END)::bigint FROM vals",
            casts.fails("v", "text", "numeric(10,2)")
        )))
        .await?;
    assert_eq!(
        rounding,
        1 + 2 + 3,
        "the texts that round are 1.005, 2.999, -0.004"
    );
    // A column of a nondeterministic collation takes no regular expression: the predicates
    // read its text in the "C" collation.
    driver
        .execute(&Statement::Sql(
            "CREATE COLLATION strata_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false); \
             CREATE TABLE ci (v text COLLATE strata_ci); \
             INSERT INTO ci VALUES ('12'), ('n/a'), ('TRUE'), ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), ('2024-02-29')"
                .into(),
        ))
        .await?;
    for to in ["integer", "boolean", "uuid", "date", "numeric(5,2)"] {
        let n = driver
            .query_count(&Statement::Sql(format!(
                "SELECT count(*) FROM ci WHERE {}",
                casts.fails("v", "text", to)
            )))
            .await?;
        assert_eq!(
            n, 4,
            "text COLLATE strata_ci → {to}: one value of five converts"
        );
    }
    testing::drop_database(&admin, &url).await?;
    assert!(
        disagreements.is_empty(),
        "{} of {checked} values disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(checked > 400, "{checked}");
    Ok(())
}
