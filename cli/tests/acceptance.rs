//! The PostgreSQL acceptance of the foundation issue, through the real `strata` binary.

mod common;

use anyhow::ensure;
use common::{code, text, Project};

#[tokio::test]
async fn plan_shows_live_counts_and_apply_rollback_round_trips() -> anyhow::Result<()> {
    let p = Project::acceptance().await?;
    let before = p.state().await?;

    let plan = p.run(&["plan"]);
    let out = text(&plan);
    ensure!(code(&plan) == 0, "plan failed: {out}");
    for needle in [
        "│ Tables dropped    ┆ 1     ┆ yes",
        "│ Type changes      ┆ 1     ┆ partial",
        "│ Constraints added ┆ 2     ┆ yes",
        "│ Indexes added     ┆ 1     ┆ yes",
        "rows destroyed (backed up): 3",
        "values that will not convert: 2",
        "e.g. id=2: 'abc'",
        "e.g. id=3: '12x'",
        "NULLs: 2",
        "orphan rows: 2",
        "Data loss risk:      MEDIUM",
        "Rollback complexity: MEDIUM",
        "CREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\" (\"email\")",
        "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\"",
    ] {
        ensure!(out.contains(needle), "plan lacks {needle:?}:\n{out}");
    }
    let json = p.run(&["--json", "plan"]);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout)?;
    ensure!(
        parsed[0]["steps"][2]["analysis"]["findings"][0]["count"] == 2,
        "JSON plan: {parsed}"
    );

    let dry = p.run(&["apply", "--dry-run"]);
    ensure!(
        code(&dry) == 0 && text(&dry).contains("dry run: nothing was changed"),
        "{}",
        text(&dry)
    );
    ensure!(p.state().await? == before, "a dry run changed the database");

    let refused = p.run(&["apply"]);
    ensure!(
        code(&refused) == 2 && text(&refused).contains("--yes"),
        "apply without a terminal must ask for --yes: {}",
        text(&refused)
    );

    let apply = p.run(&["apply", "--yes"]);
    ensure!(code(&apply) == 0, "apply failed: {}", text(&apply));
    let status = p.run(&["status"]);
    ensure!(
        text(&status).matches("applied").count() >= 2,
        "{}",
        text(&status)
    );
    let verify = p.run(&["verify"]);
    // Five backups, or three where the steps on users share one copy.
    let backups = p.ctx.backup_names().await?.len();
    ensure!(
        code(&verify) == 0
            && (3..=5).contains(&backups)
            && text(&verify).contains(&format!("{backups} backups present")),
        "{}",
        text(&verify)
    );

    let rollback = p.run(&["rollback", "--yes"]);
    ensure!(code(&rollback) == 0, "rollback failed: {}", text(&rollback));
    p.ctx.assert_restored(&before).await?;
    p.finish().await
}

#[tokio::test]
async fn drift_is_reported_and_apply_refuses_naming_the_file() -> anyhow::Result<()> {
    let p = Project::acceptance().await?;
    ensure!(code(&p.run(&["apply", "--yes"])) == 0);
    let file = p.migration("0002_users_cleanup.toml");
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)?.replace("unknown@example.invalid", "n/a@example.invalid"),
    )?;
    std::fs::write(
        p.migration("0003_more.toml"),
        "[[step]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"name\"\n",
    )?;
    let status = p.run(&["status"]);
    ensure!(text(&status).contains("DRIFTED"), "{}", text(&status));
    let before = p.state().await?;
    let apply = p.run(&["apply", "--yes"]);
    ensure!(
        code(&apply) == 3,
        "exit {} : {}",
        code(&apply),
        text(&apply)
    );
    ensure!(
        text(&apply).contains("0002_users_cleanup.toml"),
        "{}",
        text(&apply)
    );
    ensure!(
        p.state().await? == before,
        "a refused apply changed the database"
    );
    p.finish().await
}

#[tokio::test]
async fn malformed_input_gets_a_clear_error_and_executes_nothing() -> anyhow::Result<()> {
    let p = Project::acceptance().await?;
    let before = p.state().await?;
    let cases = [
        (
            "[[step]\nop = \"drop_table\"\n",
            1,
            "0002_users_cleanup.toml: invalid TOML",
        ),
        (
            "[[step]]\nop = \"explode_table\"\ntable = \"users\"\n",
            1,
            "step 1 (explode_table): unknown op \"explode_table\"",
        ),
        (
            "[[step]]\nop = \"change_type\"\ntable = \"users\"\ncolumn = \"age\"\nto = \"int65\"\n",
            1,
            "step 1 (change_type): field `to`: unknown type \"int65\" (expected one of bool, int16",
        ),
        (
            "[[step]]\nop = \"drop_column\"\ntable = \"users\"\n",
            1,
            "step 1 (drop_column): missing field `column`",
        ),
        (
            "[[step]]\nop = \"drop_table\"\ntable = 'x\"; DROP TABLE users; --'\n",
            3,
            "step 1 (drop_table): table \"x\"; DROP TABLE users; --\" does not exist",
        ),
        (
            "[[step]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = \"a_column_name_that_postgres_would_cut_short_without_telling_anyone\"\ntype = \"text\"\n",
            3,
            "step 1 (add_column): column name \"a_column_name_that_postgres_would_cut_short_without_telling_anyone\" is 66 bytes long; PostgreSQL keeps only 63",
        ),
    ];
    for (body, exit, needle) in cases {
        std::fs::write(p.migration("0002_users_cleanup.toml"), body)?;
        for args in [&["plan"][..], &["apply", "--yes"][..]] {
            // `plan` exits as `apply` does: 3 for a refusal, so CI can gate on it.
            let out = p.run(args);
            ensure!(
                code(&out) == exit,
                "{args:?} on {body:?}: exit {} {}",
                code(&out),
                text(&out)
            );
            ensure!(
                text(&out).contains(needle),
                "{args:?} on {body:?}: {}",
                text(&out)
            );
        }
        ensure!(
            p.state().await? == before,
            "bad input {body:?} changed the database"
        );
    }
    p.finish().await
}

#[tokio::test]
async fn passwords_never_appear_in_output() -> anyhow::Result<()> {
    let p = Project::acceptance().await?;
    let with_password = p.url.replacen("postgres@", "postgres:hunter2secret@", 1);
    let out = p.command_on(&with_password, &["status"], &[]).output()?;
    ensure!(
        code(&out) == 0 && !text(&out).contains("hunter2secret") && text(&out).contains("***"),
        "{}",
        text(&out)
    );
    let unreachable = "postgres://postgres:hunter2secret@127.0.0.1:1/nowhere";
    let out = p.command_on(unreachable, &["status"], &[]).output()?;
    ensure!(
        code(&out) == 1 && !text(&out).contains("hunter2secret"),
        "{}",
        text(&out)
    );
    p.finish().await
}

#[tokio::test]
async fn destroying_data_no_backup_keeps_is_refused_unless_allowed() -> anyhow::Result<()> {
    let p = Project::acceptance().await?;
    std::fs::write(
        p.migration("0002_users_cleanup.toml"),
        r#"
[[step]]
op = "drop_table"
table = "sessions_legacy"
backup = false

[[step]]
op = "sql"
postgres = "UPDATE users SET name = 'renamed'"
"#,
    )?;
    let before = p.state().await?;
    for args in [&["apply", "--yes"][..], &["apply", "--dry-run"][..]] {
        let refused = p.run(args);
        ensure!(code(&refused) == 3, "{args:?}: {}", text(&refused));
        for needle in [
            "would destroy data that no backup keeps; nothing was executed",
            "0002_users_cleanup.toml: step 1 (drop_table): drop table sessions_legacy: 3 rows destroyed with `backup = false`",
            "0002_users_cleanup.toml: step 2 (sql): a `sql` step without `down`",
            "--allow-data-loss",
        ] {
            ensure!(text(&refused).contains(needle), "{needle:?}: {}", text(&refused));
        }
        ensure!(
            p.state().await? == before,
            "a refused apply changed the database"
        );
    }
    let allowed = p.run(&["apply", "--yes", "--allow-data-loss"]);
    ensure!(code(&allowed) == 0, "{}", text(&allowed));
    ensure!(p.state().await? != before);
    p.finish().await
}
