//! `drop_column` on PostgreSQL: back up `(primary key, column)`, verify, `DROP COLUMN`.
//! Rollback adds the column back (type, default, NOT NULL, the constraints and indexes that
//! covered it) and restores every value by key. PostgreSQL cannot put a column back at its
//! old position: it returns at the end (capability `preserves_column_order = false`).
//!
//! A column that a view, rule, policy, trigger, generated column or function body uses cannot
//! be dropped without breaking them: the step is refused, naming each of them and what
//! depends on them in turn (`view public.v2 (through view public.v1)`). Indexes and
//! constraints on the column go with it and come back with the rollback.

use strata_core::driver::{AnalyzeKind, CompileKind};
use strata_core::preflight;
use strata_core::schema::{Column, Table};
use strata_core::steps::DropColumn;
use strata_core::{Action, ActionKind, Analysis, Result, Statement, StepContext};

use super::{backup, foreign_keys_on, recreate, select_keyed, Analyzer, Checked, Compiler};
use crate::sql::{ident, join_on, string, table as qtable};

pub(super) fn check<'a>(ctx: &StepContext<'a>, s: &DropColumn) -> Checked<&'a Table> {
    s.preflight(ctx.snapshot, &super::RULES).map(|(t, _)| t)
}

impl AnalyzeKind<DropColumn> for Analyzer<'_> {
    async fn analyze(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Analysis> {
        let counter = self.counter;
        let session = counter.source;
        let t = strata_core::refuse_unless!(check(&ctx, s));
        let mut dependents = crate::dependents::names_of_column(session, t, &s.column).await?;
        dependents.extend(foreign_keys_on(session, t, &s.column).await?);
        if !dependents.is_empty() {
            return Ok(Analysis::refused(preflight::dependents_refusal(
                &dependents,
                &s.column,
            )));
        }
        let mut a = Analysis::of_table(t);
        a.findings
            .push(strata_sql::dropped_values_finding(counter, &ctx, s, t).await?);
        Ok(a)
    }
}

impl CompileKind<DropColumn> for Compiler<'_> {
    fn compile(&self, ctx: StepContext<'_>, s: &DropColumn) -> Result<Vec<Action>> {
        let t = ctx.checked(check(&ctx, s))?;
        let c = t.column(&s.column).expect("checked");
        let step = ctx.step.index;
        let drop = Action::new(
            step,
            ActionKind::Ddl,
            format!("drop column {}.{}", t.name, c.name),
            Statement::Sql(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                qtable(&t.name),
                ident(&c.name)
            )),
        )
        .destructive();
        let unused = unused(step, t, c);
        if !s.backup {
            return Ok(vec![unused, drop]);
        }
        let bak = ctx.backup_name(&t.name, Some(&c.name));
        let mut actions = vec![unused];
        actions.extend(backup(
            &ctx,
            &bak,
            &select_keyed(t, std::slice::from_ref(&c.name), None),
            &format!("{}.{} with its keys", t.name, c.name),
        ));
        with_comment_kept(&mut actions[1], &t.name, &bak, &c.name);
        let mut restore = before_add_back(t, c);
        restore.push(format!(
            "ALTER TABLE {} {}",
            qtable(&t.name),
            add_back(t, c)
        ));
        restore.push(format!(
            "UPDATE {tbl} t SET {col} = b.{col} FROM {bak} b WHERE {on}",
            tbl = qtable(&t.name),
            col = ident(&c.name),
            bak = qtable(&bak),
            on = join_on("t", "b", &t.primary_key)
        ));
        restore.extend(after_restore(t, c));
        restore.push(copy_comment(&bak, &t.name, &c.name));
        actions.push(drop.with_inverse(Statement::Sql(restore.join(";\n"))));
        Ok(actions)
    }
}

/// Again at apply time: the plan cannot look at a column an earlier step renamed.
pub(super) fn unused(step: usize, t: &Table, c: &Column) -> Action {
    Action::check(
    step,
    ActionKind::Check,
    format!("nothing else uses {}.{}", t.name, c.name),
    Statement::Sql(super::dependents::column_users_count(
        &qtable(&t.name),
        &c.name,
        &[
            "pg_class",
            "pg_rewrite",
            "pg_policy",
            "pg_trigger",
            "pg_constraint",
            "pg_proc",
        ],
    )),
    0,
    format!(
        "objects depend on column \"{}\" of {} (views, rules, policies, triggers, foreign keys, functions); drop them first",
        c.name, t.name
    ),
    )
}

/// Copies the comment and the column-level grants (`GRANT UPDATE (c)`) of column `column` of
/// `from` onto the column of the same name of `to`, where it has them: the backup keeps a
/// dropped column's, and the restore reads them back from there (the column's own are gone
/// with it).
pub(super) fn copy_comment(
    from: &strata_core::QualifiedName,
    to: &strata_core::QualifiedName,
    column: &str,
) -> String {
    let (from, to, col) = (string(&qtable(from)), string(&qtable(to)), string(column));
    format!(
        "DO $strata$ DECLARE note text := col_description({from}::regclass, \
           (SELECT attnum FROM pg_attribute WHERE attrelid = {from}::regclass AND attname = {col})); g record; \
         BEGIN IF note IS NOT NULL THEN EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', {to}, {col}, note); END IF; \
         FOR g IN SELECT p.privilege_type, p.is_grantable, CASE WHEN p.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(p.grantee)) END AS grantee \
           FROM pg_attribute a, aclexplode(a.attacl) p WHERE a.attrelid = {from}::regclass AND a.attname = {col} AND a.attacl IS NOT NULL \
         LOOP EXECUTE format('GRANT %s (%I) ON %s TO %s%s', g.privilege_type, {col}, {to}, g.grantee, CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END); END LOOP; END $strata$"
    )
}

/// The backup action `copy` also keeps the comment of the dropped column `column`.
pub(super) fn with_comment_kept(
    copy: &mut Action,
    table: &strata_core::QualifiedName,
    bak: &strata_core::QualifiedName,
    column: &str,
) {
    if let Statement::Sql(sql) = &mut copy.forward {
        sql.push_str(";\n");
        sql.push_str(&copy_comment(table, bak, column));
    }
}

/// What must exist before the dropped column `c` comes back: the sequence a `serial` column
/// owned, which PostgreSQL drops with the column (an identity column's comes back with it).
pub(super) fn before_add_back(t: &Table, c: &Column) -> Vec<String> {
    owned_sequences(t, c)
        .map(|s| format!("CREATE SEQUENCE {} {}", s.name, s.definition))
        .collect()
}

fn owned_sequences<'t>(
    t: &'t Table,
    c: &'t Column,
) -> impl Iterator<Item = &'t strata_core::schema::Sequence> {
    t.sequences
        .iter()
        .filter(move |s| s.column == c.name && c.identity.is_none())
}

/// The clause that adds the dropped column `c` back, NULL-able until its values are back; an
/// identity column `GENERATED ALWAYS` comes back `BY DEFAULT` until then (its values cannot be
/// written otherwise).
pub(super) fn add_back(t: &Table, c: &Column) -> String {
    let identity = c
        .identity
        .as_deref()
        .map(|k| if k == "ALWAYS" { "BY DEFAULT" } else { k }.to_owned());
    format!(
        "ADD COLUMN {}",
        recreate::column_definition(
            t,
            &Column {
                nullable: true,
                identity,
                ..c.clone()
            }
        )
    )
}

/// What follows the restore of the dropped column's values: its NOT NULL, its sequence's
/// value, and the constraints and indexes that covered it.
pub(super) fn after_restore(t: &Table, c: &Column) -> Vec<String> {
    let mut out = Vec::new();
    if !c.nullable {
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
            qtable(&t.name),
            ident(&c.name)
        ));
    }
    if c.identity.as_deref() == Some("ALWAYS") {
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {} SET GENERATED ALWAYS",
            qtable(&t.name),
            ident(&c.name)
        ));
    }
    for s in owned_sequences(t, c) {
        // Owned by the table's owner again (strata's role made it), which `OWNED BY` needs.
        out.push(format!(
            "DO $strata$ BEGIN EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', {seq}, (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = {rel}::regclass)); END $strata$",
            seq = string(&s.name),
            rel = string(&qtable(&t.name)),
        ));
        out.push(format!(
            "ALTER SEQUENCE {} OWNED BY {}.{}",
            s.name,
            qtable(&t.name),
            ident(&c.name)
        ));
        // Never used before the drop: adding the column back drew a value a row.
        if s.last_value.is_none() {
            out.push(format!("ALTER SEQUENCE {} RESTART", s.name));
        }
    }
    out.extend(recreate::restore_sequences(t, Some(&c.name)));
    out.extend(recreate::dependent_objects(
        t,
        &|cols| cols.contains(&c.name),
        false,
    ));
    // Indexes on an expression of the column or with it in their predicate go with it too
    // (`IF NOT EXISTS`, since a name that merely reads like the column's matches as well);
    // one that also names a column an earlier step dropped is not in `t` (the simulation
    // took it out) and comes back with that step's rollback, once both columns are back.
    for i in t.indexes.iter().filter(|i| {
        !i.columns.contains(&c.name)
            && crate::sql::replace_column(&i.definition, &c.name, "NULL") != i.definition
    }) {
        out.push(
            i.definition
                .replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                .replacen(
                    "CREATE UNIQUE INDEX ",
                    "CREATE UNIQUE INDEX IF NOT EXISTS ",
                    1,
                ),
        );
    }
    out
}

strata_core::golden_test!("drop_column");
