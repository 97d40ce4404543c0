//! `change_type` on a column that views, materialized views, rules, policies and triggers use:
//! they are dropped, the type changes, they come back exactly — and the rollback brackets the
//! reverse change the same way.

use anyhow::ensure;
use strata_conformance::TestContext;

use super::support::{plan, statements, texts, with_role};

/// A table under a view, a view on that view (owned by another role), and a materialized view
/// with an index; grants with grant option, by a grantor that is not the owner, on a column;
/// comments on the views, a column and the index.
fn accounts(role: &str) -> Vec<String> {
    [
        "CREATE TABLE accounts (id integer PRIMARY KEY, balance integer NOT NULL, code text, opened date DEFAULT DATE '2024-01-01')",
        "INSERT INTO accounts (id, balance, code) VALUES (1, 50, '10'), (2, 150, '20'), (3, -5, 'x1'), (4, 1000, NULL), (5, 300, '20')",
        "CREATE VIEW positive AS SELECT id, balance, code FROM accounts WHERE balance > 0",
        "CREATE VIEW rich AS SELECT id, balance FROM positive WHERE balance > 100",
        "CREATE MATERIALIZED VIEW totals AS SELECT code, sum(balance) AS total, count(*) AS n FROM accounts GROUP BY code",
        "CREATE UNIQUE INDEX totals_code ON totals (code)",
        "COMMENT ON VIEW positive IS 'accounts in credit'",
        "COMMENT ON COLUMN rich.balance IS 'over 100'",
        "COMMENT ON MATERIALIZED VIEW totals IS 'per code'",
        "COMMENT ON INDEX totals_code IS 'one row per code'",
        "GRANT SELECT ON positive TO {role}",
        "ALTER VIEW rich OWNER TO {role}",
        "GRANT SELECT ON rich TO PUBLIC",
        "GRANT UPDATE (balance) ON rich TO PUBLIC",
        "GRANT SELECT ON totals TO {role} WITH GRANT OPTION",
        "SET ROLE {role}",
        "GRANT SELECT ON totals TO PUBLIC",
        "RESET ROLE",
    ]
    .iter()
    .map(|s| s.replace("{role}", role))
    .collect()
}

/// Every row of `view`, as text, by id.
async fn rows(ctx: &TestContext, view: &str) -> anyhow::Result<Vec<String>> {
    texts(ctx, &format!("SELECT v::text FROM {view} v ORDER BY id")).await
}

const WIDEN_AND_PARSE: &str = r#"
[[step]]
op = "change_type"
table = "accounts"
column = "balance"
to = "int64"

[[step]]
op = "change_type"
table = "accounts"
column = "code"
to = "int32"
on_incompatible = "set_null"
"#;

pub async fn views_matviews_grants_and_comments(ctx: &TestContext) -> anyhow::Result<()> {
    with_role(ctx, |role| async move {
        let ddl = accounts(&role);
        ctx.run_sql(&ddl.iter().map(String::as_str).collect::<Vec<_>>())
            .await?;
        let before = ctx.capture().await?;
        let (positive, rich) = (rows(ctx, "positive").await?, rows(ctx, "rich").await?);
        ctx.write(1, "widen", WIDEN_AND_PARSE)?;

        let plans = plan(ctx).await?;
        for (i, step) in plans[0].steps.iter().enumerate() {
            ensure!(step.analysis.refusals.is_empty(), "step {} refused: {:?}", i + 1, step.analysis.refusals);
        }
        let warned = plans[0].steps[0].analysis.warnings.join("\n");
        for name in [
            "view public.positive",
            "view public.rich (through view public.positive)",
            "materialized view public.totals",
        ] {
            ensure!(warned.contains(name), "the plan does not name {name}: {warned}");
        }
        let sql = statements(&plans, 1);
        for expected in [
            "DROP MATERIALIZED VIEW \"public\".\"totals\"",
            "ALTER TABLE \"accounts\" ALTER COLUMN \"balance\" TYPE bigint",
            "CREATE VIEW \"public\".\"positive\" AS\nSELECT accounts.id,",
            "GRANT SELECT ON TABLE \"public\".\"rich\" TO PUBLIC",
            "GRANT UPDATE (\"balance\") ON TABLE \"public\".\"rich\" TO PUBLIC",
            &format!("ALTER VIEW \"public\".\"rich\" OWNER TO \"{role}\""),
            &format!("GRANT SELECT ON TABLE \"public\".\"totals\" TO \"{role}\" WITH GRANT OPTION"),
            &format!("SET ROLE \"{role}\";\nGRANT SELECT ON TABLE \"public\".\"totals\" TO PUBLIC;\nRESET ROLE"),
            "CREATE UNIQUE INDEX totals_code ON public.totals USING btree (code)",
            "COMMENT ON COLUMN \"public\".\"rich\".\"balance\" IS 'over 100'",
            "REFRESH MATERIALIZED VIEW \"public\".\"totals\"",
        ] {
            ensure!(sql.contains(expected), "the plan's SQL lacks {expected:?}:\n{sql}");
        }
        let at = |s: &str| sql.find(s).unwrap_or(usize::MAX);
        ensure!(
            at("DROP VIEW \"public\".\"rich\"") < at("DROP VIEW \"public\".\"positive\""),
            "rich is not dropped before the view it reads:\n{sql}"
        );
        let create = sql.find("CREATE VIEW \"public\".\"positive\"").unwrap_or(0);
        let alter = sql.find("ALTER COLUMN \"balance\" TYPE bigint").unwrap_or(usize::MAX);
        ensure!(alter < create, "the views are not re-created after the type change:\n{sql}");

        ctx.apply().await?;
        ensure!(rows(ctx, "positive").await? == positive, "positive answers other rows after the change");
        ensure!(rows(ctx, "rich").await? == rich, "rich answers other rows after the change");
        let groups = texts(ctx, "SELECT coalesce(code::text, 'null') || '=' || total FROM totals ORDER BY code").await?;
        ensure!(groups == ["10=50", "20=450", "null=995"], "totals was not refreshed on the new types: {groups:?}");
        let applied = ctx.catalog().await?;
        ensure!(
            applied["column public.rich.balance"].starts_with("type=bigint"),
            "rich.balance did not follow the new type: {}",
            applied["column public.rich.balance"]
        );
        for key in ["relation public.positive", "relation public.rich", "relation public.totals", "index public.totals_code", "column public.rich.balance"] {
            let (was, is) = (&before.catalog[key], &applied[key]);
            let (was, is) = (was.replace("type=integer", "type=bigint"), is.clone());
            ensure!(was == is, "{key} changed through the apply:\nbefore: {was}\nafter:  {is}");
        }
        ctx.rollback(1).await?;
        ctx.assert_restored(&before).await
    })
    .await
}

/// A second schema; a security-barrier view under a view WITH CASCADED CHECK OPTION that has
/// an INSTEAD OF trigger; a view in `public` with a column default, a column comment and a
/// rule of its own; a rule, two policies (one restrictive) and a disabled trigger with a WHEN
/// clause on the table; an unpopulated materialized view with an index.
const LEDGER: &[&str] = &[
    "CREATE SCHEMA ledger",
    "CREATE TABLE ledger.entries (id integer PRIMARY KEY, amount integer, note text)",
    "INSERT INTO ledger.entries VALUES (1, 10, 'a'), (2, -3, NULL), (3, 2000, 'big'), (4, NULL, 'none')",
    "CREATE VIEW ledger.positive WITH (security_barrier) AS SELECT id, amount FROM ledger.entries WHERE amount > 0",
    "CREATE VIEW ledger.small AS SELECT id, amount FROM ledger.positive WHERE amount < 100 WITH CASCADED CHECK OPTION",
    "CREATE FUNCTION ledger.small_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ledger.entries VALUES (NEW.id, NEW.amount, NULL); RETURN NEW; END $$",
    "CREATE TRIGGER small_insert INSTEAD OF INSERT ON ledger.small FOR EACH ROW EXECUTE FUNCTION ledger.small_insert()",
    "COMMENT ON TRIGGER small_insert ON ledger.small IS 'through the view'",
    "CREATE VIEW public.notes AS SELECT id, amount, note FROM ledger.entries",
    "ALTER VIEW public.notes ALTER COLUMN note SET DEFAULT 'n/a'",
    "COMMENT ON COLUMN public.notes.amount IS 'in cents'",
    "CREATE RULE notes_insert AS ON INSERT TO public.notes DO INSTEAD INSERT INTO ledger.entries VALUES (NEW.id, NEW.amount, NEW.note)",
    "CREATE RULE entries_no_negative AS ON INSERT TO ledger.entries WHERE NEW.amount < 0 DO INSTEAD NOTHING",
    "COMMENT ON RULE entries_no_negative ON ledger.entries IS 'drop negatives'",
    "ALTER TABLE ledger.entries ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY entries_visible ON ledger.entries AS RESTRICTIVE FOR SELECT TO PUBLIC USING (amount IS NOT NULL)",
    "CREATE POLICY entries_write ON ledger.entries FOR INSERT WITH CHECK (amount < 1000000)",
    "CREATE POLICY entries_own_notes ON ledger.entries USING (note IS NOT NULL)",
    "COMMENT ON POLICY entries_visible ON ledger.entries IS 'no unknown amounts'",
    "CREATE FUNCTION ledger.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "CREATE TRIGGER entries_big BEFORE UPDATE OF amount ON ledger.entries FOR EACH ROW WHEN (NEW.amount > 1000) EXECUTE FUNCTION ledger.touch()",
    "ALTER TABLE ledger.entries DISABLE TRIGGER entries_big",
    "COMMENT ON TRIGGER entries_big ON ledger.entries IS 'big ones'",
    "CREATE TRIGGER entries_noted BEFORE UPDATE ON ledger.entries FOR EACH ROW WHEN (NEW.note IS NOT NULL) EXECUTE FUNCTION ledger.touch()",
    "CREATE MATERIALIZED VIEW ledger.by_sign AS SELECT sign(amount) AS s, count(*) AS n FROM ledger.entries GROUP BY 1 WITH NO DATA",
    "CREATE INDEX by_sign_s ON ledger.by_sign (s)",
];

pub async fn options_rules_policies_and_triggers(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(LEDGER).await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "widen",
        "[[step]]\nop = \"change_type\"\ntable = \"ledger.entries\"\ncolumn = \"amount\"\nto = \"int64\"\n",
    )?;
    let plans = plan(ctx).await?;
    let step = &plans[0].steps[0];
    ensure!(
        step.analysis.refusals.is_empty(),
        "refused: {:?}",
        step.analysis.refusals
    );
    let warned = step.analysis.warnings.join("\n");
    for name in [
        "view ledger.positive",
        "view ledger.small (through view ledger.positive)",
        "view public.notes",
        "materialized view ledger.by_sign",
        "rule entries_no_negative on table ledger.entries",
        "policy entries_visible on table ledger.entries",
        "policy entries_write on table ledger.entries",
        "trigger entries_big on table ledger.entries",
    ] {
        ensure!(
            warned.contains(name),
            "the plan does not name {name}: {warned}"
        );
    }
    for untouched in ["entries_noted", "entries_own_notes"] {
        ensure!(
            !warned.contains(untouched),
            "the plan carries {untouched}, which does not use the column: {warned}"
        );
    }
    let sql = statements(&plans, 1);
    for expected in [
        "CREATE VIEW \"ledger\".\"positive\" WITH (\"security_barrier\"='true') AS",
        "CREATE VIEW \"ledger\".\"small\" WITH (\"check_option\"='cascaded') AS",
        "ALTER VIEW \"public\".\"notes\" ALTER COLUMN \"note\" SET DEFAULT 'n/a'::text",
        "CREATE RULE notes_insert AS",
        "CREATE TRIGGER small_insert INSTEAD OF INSERT ON ledger.small",
        "CREATE POLICY \"entries_visible\" ON \"ledger\".\"entries\" AS RESTRICTIVE FOR SELECT TO PUBLIC USING ((amount IS NOT NULL))",
        "ALTER TABLE \"ledger\".\"entries\" DISABLE TRIGGER \"entries_big\"",
        "WITH NO DATA",
    ] {
        ensure!(sql.contains(expected), "the plan's SQL lacks {expected:?}:\n{sql}");
    }
    ensure!(
        !sql.contains("REFRESH"),
        "an unpopulated materialized view is refreshed:\n{sql}"
    );

    ctx.apply().await?;
    let applied = ctx.catalog().await?;
    for (key, value) in &before.catalog {
        let same_kind = [
            "relation ",
            "definition ",
            "trigger ",
            "rule ",
            "policy ",
            "index ",
        ]
        .iter()
        .any(|k| key.starts_with(k));
        if same_kind && !key.contains("strata_bak") {
            ensure!(
                applied.get(key) == Some(value),
                "{key} changed through the apply:\nbefore: {value}\nafter:  {:?}",
                applied.get(key)
            );
        }
    }
    let small = texts(ctx, "SELECT s::text FROM ledger.small s ORDER BY id").await?;
    ensure!(small == ["(1,10)"], "ledger.small answers {small:?}");
    ctx.rollback(1).await?;
    ctx.assert_restored(&before).await
}

/// A view whose definition the new type no longer satisfies (`upper` of an integer): the
/// re-creation fails, and with it the whole migration, which changes nothing.
pub async fn a_view_the_new_type_breaks_fails_whole(ctx: &TestContext) -> anyhow::Result<()> {
    ctx.run_sql(&[
        "CREATE TABLE tags (id integer PRIMARY KEY, name text)",
        "INSERT INTO tags VALUES (1, '7'), (2, 'x')",
        "CREATE VIEW shouting AS SELECT id, upper(name) AS name FROM tags",
    ])
    .await?;
    let before = ctx.capture().await?;
    ctx.write(
        1,
        "parse",
        "[[step]]\nop = \"change_type\"\ntable = \"tags\"\ncolumn = \"name\"\nto = \"int32\"\non_incompatible = \"set_null\"\n",
    )?;
    let plans = plan(ctx).await?;
    let warned = plans[0].steps[0].analysis.warnings.join("\n");
    ensure!(
        warned.contains("a definition the new type no longer satisfies fails the migration"),
        "the plan does not warn: {warned}"
    );
    let failed = ctx.apply().await;
    let message = match &failed {
        Err(e) => format!(
            "{e}: {:?}",
            std::error::Error::source(e).map(|s| s.to_string())
        ),
        Ok(_) => anyhow::bail!("the apply went through although shouting cannot be re-created"),
    };
    ensure!(
        message.contains("upper"),
        "the failure does not say why: {message}"
    );
    ctx.assert_restored(&before).await
}
