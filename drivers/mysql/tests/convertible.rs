//! The in-place `change_type` never disagrees with MariaDB's own conversion: a table of edge
//! values (whitespace, signs, exponents, overflow by one, leap days, unicode digits and
//! spaces) built by hand is converted by strata with `on_incompatible = "set_null"`, and each
//! value is compared with what the server's strict `ALTER TABLE … MODIFY` makes of that value
//! alone. A value strata keeps is the value the server makes of it; a value strata sets to
//! NULL is one the server refuses, or would change (rounds `1.5` to an integer, cuts a
//! time). Where strata's portable types say more than the server's, the differences are the
//! documented ones: `bool` holds 0 and 1 (and reads the words `true` and `false`, which the
//! server's cast does not), where `tinyint(1)` takes -128 to 127; `date` and `timestamp` keep
//! to the range MySQL documents, years 1000 to 9999, where the server stores some earlier
//! ones. Rollback then gives back every original value.

use strata_conformance::spoil::quote;
use strata_conformance::TestContext;
use strata_core::{Driver, Statement};
use strata_mysql::testing;

const VALUES: &[(&str, &[&str])] = &[
    (
        "int32",
        &[
            "0",
            "1",
            "-1",
            "+1",
            " 42 ",
            "\t42",
            "42 x",
            "4 2",
            "",
            "-",
            "+",
            "00012",
            "-0",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "1e3",
            "1.0",
            "1.5",
            "0x1F",
            "1_000",
            "\u{663}",
            "\u{ff13}",
            "\u{a0}12",
            "abc",
            "n/a",
            "12abc",
            "12\n",
            "12\r\n",
            "12\r",
            "0\n",
            "\n12",
            "123456789",
            "-123456789",
            "1234567890",
            "-1234567890",
            "012",
        ],
    ),
    (
        "decimal(6,2)",
        &[
            "0", "1.005", "1.004", "1.5", "9999.99", "9999.995", "10000", "-9999.99", "1e3",
            "1E-2", ".5", "5.", ".", " 3.14 ", "abc", "", "1,5", "1.2.3", "\u{661}", "- 1", "e5",
            "1e",
        ],
    ),
    (
        "date",
        &[
            "2024-02-29",
            "2023-02-29",
            "2000-02-29",
            "1900-02-29",
            "2024-04-31",
            "2024-12-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "0000-01-01",
            "0001-01-01",
            "9999-12-31",
            " 2024-01-01 ",
            "2024-1-1",
            "20240101",
            "Jan 8 1999",
            "2024-01-01 10:00",
            "abc",
            "",
        ],
    ),
    (
        "timestamp",
        &[
            "2024-02-29 23:59:59",
            "2024-02-29T12:00:00",
            "2024-01-01 24:00:00",
            "2024-01-01 23:59:60",
            "2023-02-29 00:00:00",
            "2024-06-01 01:02:03.5",
            "2024-06-01",
            "2024-06-01 25:00:00",
            "abc",
            "",
        ],
    ),
    (
        "bool",
        &[
            "0", "1", "2", "-1", "true", "FALSE", " true ", "yes", "t", "", "1.0",
        ],
    ),
];

/// MariaDB's own type for the portable one.
fn native(to: &str) -> &'static str {
    match to {
        "int32" => "int",
        "decimal(6,2)" => "decimal(6,2)",
        "date" => "date",
        "timestamp" => "datetime(6)",
        _ => "tinyint(1)",
    }
}

#[tokio::test]
async fn in_place_conversion_agrees_with_the_server_on_every_edge_value() -> anyhow::Result<()> {
    let admin = testing::admin_url();
    let url = testing::create_database(&admin).await?;
    let ctx = TestContext::new("mysql", &url).await?;
    let d: &dyn Driver = ctx.driver.as_ref();
    let sql = |s: String| Statement::Sql(s);
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for (version, (to, values)) in (1u64..).zip(VALUES) {
        let table = format!("edge_{version}");
        d.execute(&sql(format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, v varchar(40) COMMENT 'as typed') ENGINE=InnoDB"
        )))
        .await?;
        for (i, v) in values.iter().enumerate() {
            d.execute(&sql(format!(
                "INSERT INTO {table} VALUES ({i}, {})",
                quote(v)
            )))
            .await?;
        }
        // The server alone, one value at a time: what its strict MODIFY makes of it.
        let mut server: Vec<Option<()>> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let one = format!("one_{version}_{i}");
            d.execute(&sql(format!("CREATE TABLE {one} (v varchar(40))")))
                .await?;
            d.execute(&sql(format!("INSERT INTO {one} VALUES ({})", quote(v))))
                .await?;
            let ok = d
                .execute(&sql(format!("ALTER TABLE {one} MODIFY v {}", native(to))))
                .await
                .is_ok();
            server.push(ok.then_some(()));
        }
        ctx.write(
            version,
            &format!("edge_{version}"),
            &format!(
                "[[step]]\nop = \"change_type\"\ntable = \"{table}\"\ncolumn = \"v\"\nto = \"{to}\"\non_incompatible = \"set_null\"\n"
            ),
        )?;
        let plan = strata_core::runner::plan(d, &ctx.migrations()?, None).await?;
        let in_place = plan[0]
            .actions()
            .iter()
            .any(|a| a.description.contains("in place"));
        assert!(in_place, "{to}: converted in place");
        ctx.apply().await?;
        for (i, v) in values.iter().enumerate() {
            checked += 1;
            let kept = d
                .query_count(&sql(format!(
                    "SELECT COUNT(*) FROM {table} WHERE id = {i} AND v IS NOT NULL"
                )))
                .await?
                == 1;
            let one = format!("one_{version}_{i}");
            let words =
                *to == "bool" && ["true", "false"].contains(&v.trim().to_lowercase().as_str());
            let documented = match *to {
                "bool" => !["0", "1"].contains(&v.trim()),
                "date" | "timestamp" => v.trim().get(..4).is_some_and(|y| y < "1000"),
                _ => false,
            };
            match (kept, server[i]) {
                (true, Some(())) => {
                    let same = d
                        .query_count(&sql(format!(
                            "SELECT COUNT(*) FROM {table} t JOIN {one} o ON t.v <=> o.v WHERE t.id = {i}"
                        )))
                        .await?;
                    if same != 1 {
                        disagreements.push(format!(
                            "{to}: {v:?} strata and the server convert it to different values"
                        ));
                    }
                }
                (true, None) if words => {}
                (true, None) => {
                    disagreements.push(format!("{to}: {v:?} kept by strata, refused by the server"))
                }
                (false, None) => {}
                // Refused by strata where the server accepts: only if the server changes it.
                (false, Some(())) if documented => {}
                (false, Some(())) => {
                    let unchanged = d
                        .query_count(&sql(format!(
                            "SELECT COUNT(*) FROM {one} WHERE CAST(v AS CHAR) = TRIM({})",
                            quote(v)
                        )))
                        .await?;
                    if unchanged == 1 {
                        disagreements.push(format!(
                            "{to}: {v:?} set to NULL by strata, converted unchanged by the server"
                        ));
                    }
                }
            }
        }
        ctx.rollback(1).await?;
        for (i, v) in values.iter().enumerate() {
            let back = d
                .query_count(&sql(format!(
                    "SELECT COUNT(*) FROM {table} WHERE id = {i} AND BINARY v = BINARY {}",
                    quote(v)
                )))
                .await?;
            assert_eq!(back, 1, "{to}: {v:?} restored by rollback");
        }
    }
    drop(ctx);
    testing::drop_database(&admin, &url).await?;
    assert!(
        disagreements.is_empty(),
        "{} of {checked} values disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    Ok(())
}
