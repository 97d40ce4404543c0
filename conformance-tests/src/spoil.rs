//! For tests that show a verification can fail: the actions of a plan found by kind and
//! description, and a check run on data spoiled one way at a time, each spoiling undone.

use strata_core::{Action, ActionKind, Driver, Statement};

/// The first of `actions` of `kind` whose description contains `text`.
pub fn action<'a>(actions: &'a [Action], kind: ActionKind, text: &str) -> &'a Action {
    actions
        .iter()
        .find(|a| a.kind == kind && a.description.contains(text))
        .unwrap_or_else(|| panic!("no {kind:?} action says {text:?}"))
}

/// `check` (a count of differences) counts none; then, for each `(spoil, undo)`, counts some
/// after `spoil` and none again after `undo`.
pub async fn caught(
    d: &dyn Driver,
    check: &Action,
    cases: &[(String, String)],
) -> anyhow::Result<()> {
    anyhow::ensure!(
        d.query_count(&check.forward).await? == 0,
        "{}: as made",
        check.description
    );
    for (spoil, undo) in cases {
        d.execute(&Statement::Sql(spoil.clone())).await?;
        anyhow::ensure!(
            d.query_count(&check.forward).await? > 0,
            "{} does not catch: {spoil}",
            check.description
        );
        d.execute(&Statement::Sql(undo.clone())).await?;
        anyhow::ensure!(
            d.query_count(&check.forward).await? == 0,
            "{} still fails after: {undo}",
            check.description
        );
    }
    Ok(())
}

/// `v` as an SQL string literal, quotes doubled.
pub fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}
