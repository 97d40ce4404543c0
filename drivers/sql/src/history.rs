//! `strata_migrations` (DESIGN §3) on any SQL engine: created, read and upserted through the
//! dialect's text, every value written as a literal the dialect quotes and read back as text.

use chrono::{DateTime, Utc};
use strata_core::history::{HistoryRecord, JournalEntry, RecordStatus};
use strata_core::{Error, Result, HISTORY_TABLE};

use crate::dialect::Dialect;
use crate::session::Session;

/// The columns, in the order they are read and written.
const COLUMNS: [&str; 12] = [
    "version",
    "name",
    "checksum",
    "status",
    "started_at",
    "finished_at",
    "execution_ms",
    "applied_by",
    "actions_total",
    "actions_done",
    "journal",
    "strata_version",
];

/// Creates the table if it does not exist.
pub async fn ensure<D: Dialect>(session: &Session<D>) -> Result<()> {
    session
        .execute(&D::create(&D::ident(HISTORY_TABLE)))
        .await
        .map(drop)
}

/// Every record, by version; none when the table does not exist yet.
pub async fn read<D: Dialect>(session: &Session<D>) -> Result<Vec<HistoryRecord>> {
    if session.count(&D::exists(&D::string(HISTORY_TABLE))).await? == 0 {
        return Ok(Vec::new());
    }
    let select: Vec<String> = COLUMNS.iter().map(|c| D::read_column(c)).collect();
    let rows = session
        .rows(&format!(
            "SELECT {} FROM {} ORDER BY version",
            select.join(", "),
            D::ident(HISTORY_TABLE)
        ))
        .await?;
    rows.into_iter().map(record).collect()
}

/// Inserts the record, or replaces the one of its version.
pub async fn write<D: Dialect>(session: &Session<D>, r: &HistoryRecord) -> Result<()> {
    let journal = serde_json::to_string(&r.journal).expect("journal serializes");
    let number = |n: Option<i64>| n.map_or_else(|| "NULL".to_owned(), |n| n.to_string());
    let values = [
        r.version.to_string(),
        D::string(&r.name),
        D::string(&r.checksum),
        D::string(r.status.as_str()),
        D::timestamp(r.started_at),
        r.finished_at
            .map_or_else(|| "NULL".to_owned(), D::timestamp),
        number(r.execution_ms),
        D::string(&r.applied_by),
        r.actions_total.to_string(),
        r.actions_done.to_string(),
        D::json(&journal),
        D::string(&r.strata_version),
    ];
    let columns: Vec<String> = COLUMNS.iter().map(|c| D::ident(c)).collect();
    session
        .execute(&format!(
            "INSERT INTO {} ({}) VALUES ({}) {}",
            D::ident(HISTORY_TABLE),
            columns.join(", "),
            values.join(", "),
            D::upsert(&COLUMNS[1..])
        ))
        .await
        .map(drop)
}

/// A record from its row of text cells.
fn record(cells: Vec<Option<String>>) -> Result<HistoryRecord> {
    let version_text = cells.first().cloned().flatten().unwrap_or_default();
    let corrupt = |what: String| {
        Error::Verification(format!(
            "{HISTORY_TABLE} row for version {version_text}: {what}"
        ))
    };
    let text = |i: usize| cells.get(i).cloned().flatten();
    let required = |i: usize| text(i).ok_or_else(|| corrupt(format!("{} is NULL", COLUMNS[i])));
    let int = |i: usize| -> Result<i64> {
        let t = required(i)?;
        t.trim()
            .parse()
            .map_err(|_| corrupt(format!("{} is {t:?}, not an integer", COLUMNS[i])))
    };
    let time = |t: String, i: usize| {
        parse_timestamp(&t)
            .ok_or_else(|| corrupt(format!("{} is {t:?}, not a timestamp", COLUMNS[i])))
    };
    let status = required(3)?;
    let journal = required(10)?;
    Ok(HistoryRecord {
        version: u64::try_from(int(0)?).map_err(|_| corrupt("a negative version".into()))?,
        name: required(1)?,
        checksum: required(2)?,
        status: RecordStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("unknown status {status:?}")))?,
        started_at: time(required(4)?, 4)?,
        finished_at: text(5).map(|t| time(t, 5)).transpose()?,
        execution_ms: text(6).map(|_| int(6)).transpose()?,
        applied_by: required(7)?,
        actions_total: i32::try_from(int(8)?).map_err(|_| corrupt("actions_total".into()))?,
        actions_done: i32::try_from(int(9)?).map_err(|_| corrupt("actions_done".into()))?,
        journal: serde_json::from_str::<Vec<JournalEntry>>(&journal)
            .map_err(|e| corrupt(format!("unreadable journal: {e}")))?,
        strata_version: required(11)?,
    })
}

/// A timestamp as the dialects read it back: RFC 3339 (`2026-12-03T07:11:39.631468+00:00`,
/// `…Z`), with a space for the `T` as some engines print it, or without a zone (UTC).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let t = text.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&t) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = DateTime::parse_from_str(&t, format) {
            return Some(t.with_timezone(&Utc));
        }
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&t, format) {
            return Some(t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn timestamps_read_back_in_every_engines_form() {
        let expect = "2026-12-03T07:11:39.631468Z";
        for text in [
            "2026-12-03T07:11:39.631468Z",
            "2026-12-03T07:11:39.631468+00:00",
            "2026-12-03 07:11:39.631468+00",
            "2026-12-03 07:11:39.631468",
            "2026-12-03T09:11:39.631468+02:00",
        ] {
            let t = parse_timestamp(text).unwrap_or_else(|| panic!("{text} is not read"));
            assert_eq!(
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                expect,
                "{text}"
            );
        }
        assert!(parse_timestamp("yesterday").is_none());
    }
}
