//! The acceptance migration, applied and rolled back.

use anyhow::ensure;
use strata_core::schema::ConstraintKind;
use strata_core::PortableType;
use strata_core::Value::{Int, Null, Text};

use super::fixture::{setup, ACCEPTANCE};
use crate::context::{row, TestContext};

/// Forward: every change and every row as expected, backups present. Rollback: schema and
/// data equal to the original, no backup left.
pub async fn full_round_trip(ctx: &TestContext) -> anyhow::Result<()> {
    setup(ctx).await?;
    let before = ctx.capture().await?;
    ctx.write(2, "users_cleanup", ACCEPTANCE)?;
    let report = ctx.apply().await?;
    ensure!(report.applied == vec![2], "applied {:?}", report.applied);

    let plan = &report.plans[0];
    let counts: Vec<u64> = plan
        .steps
        .iter()
        .map(|s| s.analysis.findings.first().map_or(0, |f| f.count))
        .collect();
    ensure!(
        counts == vec![3, 3, 2, 2, 2, 0],
        "live counts per step: {counts:?}"
    );

    let schema = ctx.schema().await?;
    ensure!(
        !schema.tables.contains_key("sessions_legacy"),
        "sessions_legacy still exists"
    );
    let users = &schema.tables["users"];
    ensure!(
        users.column("legacy_flags").is_none(),
        "legacy_flags still exists"
    );
    ensure!(
        users.column("age").and_then(|c| c.portable) == Some(PortableType::Int64),
        "age is not int64: {:?}",
        users.column("age")
    );
    ensure!(
        users.column("email").is_some_and(|c| !c.nullable),
        "email is still nullable"
    );
    ensure!(
        users
            .indexes
            .iter()
            .any(|i| i.name == "users_email_idx" && i.valid),
        "index users_email_idx missing: {:?}",
        users.indexes
    );
    let orders = &schema.tables["orders"];
    ensure!(
        orders.constraint("orders_user_legacy_fk").is_none(),
        "the replaced foreign key still exists"
    );
    let fk = orders
        .constraint("orders_user_id_fkey")
        .ok_or_else(|| anyhow::anyhow!("new foreign key missing"))?;
    ensure!(
        fk.kind == ConstraintKind::ForeignKey
            && fk.references.as_ref().map(|r| r.name.as_str()) == Some("users"),
        "{fk:?}"
    );

    let users_rows = ctx.rows("users").await?;
    let expected_users = {
        let mut v = vec![
            row(&[
                ("id", Int(1)),
                ("email", Text("a@x".into())),
                ("age", Int(31)),
                ("name", Text("ann".into())),
            ]),
            row(&[
                ("id", Int(2)),
                ("email", Text("unknown@example.invalid".into())),
                ("age", Null),
                ("name", Text("bob".into())),
            ]),
            row(&[
                ("id", Int(3)),
                ("email", Text("c@x".into())),
                ("age", Null),
                ("name", Text("cy".into())),
            ]),
            row(&[
                ("id", Int(4)),
                ("email", Text("unknown@example.invalid".into())),
                ("age", Int(40)),
                ("name", Text("di".into())),
            ]),
        ];
        v.sort_by_key(|r| serde_json::to_string(r).unwrap_or_default());
        v
    };
    ensure!(
        users_rows == expected_users,
        "users after apply: {users_rows:#?}"
    );
    let user_ids: Vec<(strata_core::Value, strata_core::Value)> = ctx
        .rows("orders")
        .await?
        .into_iter()
        .map(|r| (r["id"].clone(), r["user_id"].clone()))
        .collect();
    let mut user_ids = user_ids;
    user_ids.sort_by_key(|(id, _)| format!("{id:?}"));
    ensure!(
        user_ids
            == vec![
                (Int(1), Int(1)),
                (Int(2), Int(2)),
                (Int(3), Null),
                (Int(4), Null),
                (Int(5), Null)
            ],
        "orders.user_id after apply: {user_ids:?}"
    );
    // Five steps back something up; a driver that compiles the three on users together
    // keeps the dropped and converted values in one copy (and the filled NULLs' keys in
    // that copy or their own).
    let backups = ctx.backup_names().await?;
    let planned = TestContext::planned_backups(&report);
    ensure!(
        backups == planned && (3..=5).contains(&backups.len()),
        "expected the plan's backups ({planned:?}), found {backups:?}"
    );

    ensure!(
        ctx.rollback(1).await? == vec![2],
        "rollback did not undo migration 2"
    );
    ctx.assert_restored(&before).await
}
