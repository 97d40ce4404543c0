//! `strata verify` on MongoDB: every relation strata records holds for every document.

use strata_core::schema::Snapshot;
use strata_core::{Result, VerifyCheck};

use crate::compile::{count_command, meta_of, orphans, required_by};
use crate::connection::Session;

/// `strata verify`: every recorded relation holds for every document.
pub async fn verify_relations(session: &Session, snapshot: &Snapshot) -> Result<Vec<VerifyCheck>> {
    let mut broken = Vec::new();
    let mut checked = 0;
    for t in snapshot.tables.values() {
        for r in meta_of(t).relations {
            checked += 1;
            let c = count_command(
                &t.name.name,
                orphans(&r.columns, &r.references, &r.ref_columns),
            );
            let n = session.count(&c).await?;
            if n > 0 {
                broken.push(format!("{}.{} ({n} documents)", t.name, r.name));
            }
        }
    }
    // Collections with NOT NULL fields (created or altered by migrations) carry the
    // `$jsonSchema` validator strata keeps, requiring those fields.
    let mut without = Vec::new();
    let mut validated = 0;
    for t in snapshot.tables.values().filter(|t| {
        !t.name.name.starts_with("strata_bak_") && t.columns.iter().any(|c| !c.nullable)
    }) {
        let validator = t
            .constraints
            .iter()
            .find(|c| c.name == "$jsonSchema" && c.definition != "{}");
        let required: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| !c.nullable)
            .map(|c| c.name.as_str())
            .collect();
        match validator {
            Some(v) if required.iter().all(|r| required_by(&v.definition, r)) => validated += 1,
            Some(_) => without.push(format!(
                "{} (its validator misses a required field)",
                t.name
            )),
            None => without.push(format!("{} (no validator)", t.name)),
        }
    }
    Ok(vec![
        VerifyCheck::none_of(
            "validators present",
            &without,
            format!("{validated} collections validated"),
            "",
        ),
        VerifyCheck::none_of(
            "recorded relations hold for every document (MongoDB does not enforce them)",
            &broken,
            format!("{checked} relations checked"),
            "orphans: ",
        ),
    ])
}
