//! The fixture most scenarios start from (migration 1 plus rows), and the acceptance migration
//! of the driver issues: a table drop, a column drop, a type change with incompatible values,
//! NOT NULL with NULLs, a foreign-key replacement with orphans, and an index.

use strata_core::Value::{Int, Null, Text};

use crate::context::{row, TestContext};

/// The fixture migration (version 1): four tables, a foreign key, an index.
pub const SETUP: &str = r#"
description = "conformance fixture"

[[step]]
op = "create_table"
table = "legacy_users"
columns = [{ name = "id", type = "int64", primary_key = true }]

[[step]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "email", type = "string(255)" },
  { name = "age", type = "text" },
  { name = "legacy_flags", type = "int32" },
  { name = "name", type = "text", nullable = false, default = "x" },
]

[[step]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "user_id", type = "int64" },
  { name = "total", type = "decimal(10,2)" },
]

[[step]]
op = "create_table"
table = "sessions_legacy"
columns = [
  { name = "id", type = "int64", primary_key = true },
  { name = "user_id", type = "int64" },
  { name = "token", type = "string(64)", nullable = false },
]

[[step]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = { table = "legacy_users", columns = ["id"] }
name = "orders_user_legacy_fk"

[[step]]
op = "add_index"
table = "sessions_legacy"
columns = ["token"]
name = "sessions_token_idx"
"#;

/// The acceptance migration (version 2).
pub const ACCEPTANCE: &str = r#"
description = "Users cleanup: email required, age widened, legacy data gone"

[[step]]
op = "drop_table"
table = "sessions_legacy"
reason = "replaced by auth_sessions"

[[step]]
op = "drop_column"
table = "users"
column = "legacy_flags"

[[step]]
op = "change_type"
table = "users"
column = "age"
to = "int64"
on_incompatible = "set_null"

[[step]]
op = "set_not_null"
table = "users"
column = "email"
fill = "unknown@example.invalid"

[[step]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = { table = "users", columns = ["id"] }
on_delete = "cascade"
orphans = "set_null"
replace = "orders_user_legacy_fk"

[[step]]
op = "add_index"
table = "users"
columns = ["email"]
"#;

/// Applies the fixture migration (version 1) and inserts its rows.
pub async fn setup(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.write(1, "fixture", SETUP)?;
    ctx.apply().await?;
    let ids = |ids: &[i64]| {
        ids.iter()
            .map(|i| row(&[("id", Int(*i))]))
            .collect::<Vec<_>>()
    };
    ctx.insert("legacy_users", &ids(&[1, 2, 3, 77, 99])).await?;
    ctx.insert(
        "users",
        &[
            row(&[
                ("id", Int(1)),
                ("email", Text("a@x".into())),
                ("age", Text("31".into())),
                ("legacy_flags", Int(1)),
                ("name", Text("ann".into())),
            ]),
            row(&[
                ("id", Int(2)),
                ("email", Null),
                ("age", Text("abc".into())),
                ("legacy_flags", Int(2)),
                ("name", Text("bob".into())),
            ]),
            row(&[
                ("id", Int(3)),
                ("email", Text("c@x".into())),
                ("age", Text("12x".into())),
                ("legacy_flags", Null),
                ("name", Text("cy".into())),
            ]),
            row(&[
                ("id", Int(4)),
                ("email", Null),
                ("age", Text("40".into())),
                ("legacy_flags", Int(4)),
                ("name", Text("di".into())),
            ]),
        ],
    )
    .await?;
    ctx.insert(
        "orders",
        &[
            row(&[
                ("id", Int(1)),
                ("user_id", Int(1)),
                ("total", Text("10.50".into())),
            ]),
            row(&[
                ("id", Int(2)),
                ("user_id", Int(2)),
                ("total", Text("3.00".into())),
            ]),
            row(&[
                ("id", Int(3)),
                ("user_id", Int(99)),
                ("total", Text("7.00".into())),
            ]),
            row(&[
                ("id", Int(4)),
                ("user_id", Null),
                ("total", Text("1.00".into())),
            ]),
            row(&[
                ("id", Int(5)),
                ("user_id", Int(77)),
                ("total", Text("2.00".into())),
            ]),
        ],
    )
    .await?;
    ctx.insert(
        "sessions_legacy",
        &[
            row(&[
                ("id", Int(1)),
                ("user_id", Int(1)),
                ("token", Text("t1".into())),
            ]),
            row(&[
                ("id", Int(2)),
                ("user_id", Int(2)),
                ("token", Text("t2".into())),
            ]),
            row(&[
                ("id", Int(3)),
                ("user_id", Int(3)),
                ("token", Text("t3".into())),
            ]),
        ],
    )
    .await?;
    Ok(())
}

/// Three steps on one column each of `accounts(id, email, age text, legacy, …)`: a drop, a
/// conversion setting what does not convert to NULL, NOT NULL with a fill — the run a driver
/// may compile together (one `ALTER`, one rebuild). The engines' scenarios build `accounts`
/// with their own DDL.
pub const ONE_TABLE_RUN: &str = r#"
[[step]]
op = "drop_column"
table = "accounts"
column = "legacy"

[[step]]
op = "change_type"
table = "accounts"
column = "age"
to = "int32"
on_incompatible = "set_null"

[[step]]
op = "set_not_null"
table = "accounts"
column = "email"
fill = "nobody@x.io"
"#;

/// The rows of `accounts` (and of `invoices`, which references it) that the engines'
/// [`ONE_TABLE_RUN`] scenarios insert after building the tables with their own DDL.
pub const ONE_TABLE_RUN_ROWS: &[&str] = &[
    "INSERT INTO accounts (email, age, legacy, plan) VALUES ('a@x.io', ' 42', 1, 'pro'), (NULL, '+7', 2, NULL), ('c@x.io', 'n/a', 3, 'team'), (NULL, NULL, 4, 'pro'), ('e@x.io', '12.5', 5, NULL)",
    "INSERT INTO invoices VALUES (1, 1), (2, 3)",
];

/// What a driver's plan of [`ONE_TABLE_RUN`] shows when it compiles the three steps together:
/// steps 2 and 3 compiled into step 1, one `ALTER` holding each of `clauses`, one backup copy,
/// which the drop's finding names.
pub fn ensure_one_table_run(
    plan: &strata_core::plan::MigrationPlan,
    clauses: &[&str],
) -> anyhow::Result<()> {
    use anyhow::{ensure, Context as _};
    let combined: Vec<Option<usize>> = plan.steps.iter().map(|s| s.combined_into).collect();
    ensure!(
        combined == [None, Some(1), Some(1)],
        "steps 2 and 3 are not compiled with step 1: {combined:?}"
    );
    let actions = plan.actions();
    let alters: Vec<String> = actions
        .iter()
        .filter(|a| a.kind == strata_core::ActionKind::Ddl)
        .map(|a| a.forward.to_string())
        .collect();
    ensure!(alters.len() == 1, "not one ALTER: {alters:#?}");
    for clause in clauses {
        ensure!(alters[0].contains(clause), "no {clause} in {}", alters[0]);
    }
    let copies = actions.iter().filter(|a| a.backup_object.is_some()).count();
    ensure!(copies == 1, "{copies} backup copies, not one");
    let shared = actions
        .iter()
        .find_map(|a| a.backup_object.clone())
        .context("a backup")?;
    let finding = &plan.steps[0].analysis.findings[0].handling;
    ensure!(
        finding.contains(&shared),
        "the drop's finding does not name the backup it is in ({shared}): {finding}"
    );
    Ok(())
}
