//! Batches sized by time. A batched SQL statement ([`ActionKind::Backfill`](crate::ActionKind))
//! holds its batch size where the driver wrote [`rows`]: a marker comment and a number
//! (`LIMIT /*strata:batch*/1000`), valid SQL on every engine and readable in the plan; a
//! command document (MongoDB) holds it as the value of its pipeline's `$limit`. The runner
//! sends the first batch as compiled, then, for an action with a
//! [`batch_ms`](crate::Action::batch_ms) target, resizes each next batch ([`statement`]) so
//! that it takes about that long ([`Sizer`]): small batches where rows are slow to change
//! (wide rows, many indexes, a busy server), large ones where they are quick, instead of one
//! fixed count whose cost nobody knows in advance.

use std::time::Duration;

use crate::action::Statement;

/// What precedes the batch size in a batched statement.
pub const MARK: &str = "/*strata:batch*/";

/// The default time a batch should take.
pub const DEFAULT_MS: u32 = 150;

/// The first batch's size where a statement says none.
pub const DEFAULT_ROWS: u32 = 1000;

/// The most rows one batch may take, whatever the timings say.
pub const MAX_ROWS: u32 = 1_000_000;

/// The batch size as a driver writes it in the statement: `/*strata:batch*/n`.
pub fn rows(n: u32) -> String {
    format!("{MARK}{n}")
}

/// What a plan says of the batches: `batches of about 150 ms (the first of 1000 rows)`, or
/// `batches of 1000` when they are not sized by time.
pub fn describe(first: u32, ms: u32) -> String {
    if ms == 0 {
        format!("batches of {first}")
    } else {
        format!("batches of about {ms} ms (the first of {first} rows)")
    }
}

/// [`describe`] of the batches a step without a batch size of its own takes (MySQL's shadow
/// copy, MongoDB's conversion).
pub fn describe_default() -> String {
    describe(DEFAULT_ROWS, DEFAULT_MS)
}

/// `sql` with every batch size written by [`rows`] set to `n`.
pub fn resized(sql: &str, n: u32) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..at]);
        out.push_str(&rows(n));
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The batch size `sql` was compiled with: the number after its first marker
/// ([`DEFAULT_ROWS`] where it has none).
pub fn first_rows(sql: &str) -> u32 {
    sql.split(MARK)
        .nth(1)
        .and_then(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            rest[..digits].parse().ok()
        })
        .unwrap_or(DEFAULT_ROWS)
}

/// The batch size a batched statement was compiled with, when it has one the runner can
/// resize: the number after a SQL statement's marker, a command's first `$limit`. A driver
/// writes one marker; a statement with two (a value or name of the user's that reads like
/// one) runs every batch as compiled, so no value is ever rewritten.
pub fn compiled_rows(batch: &Statement) -> Option<u32> {
    match batch {
        Statement::Sql(sql) => (sql.matches(MARK).count() == 1).then(|| first_rows(sql)),
        Statement::Command(c) => first_limit(c).and_then(|n| u32::try_from(n).ok()),
    }
}

/// `batch` with its batch size set to `n`.
pub fn statement(batch: &Statement, n: u32) -> Statement {
    match batch {
        Statement::Sql(sql) => Statement::Sql(resized(sql, n)),
        Statement::Command(c) => {
            let mut c = c.clone();
            set_limits(&mut c, n);
            Statement::Command(c)
        }
    }
}

/// The `$limit` stages of the command's pipelines (the `pipeline` of each command of the
/// document, not a value inside a stage: a `$literal` may hold anything).
fn limits(v: &mut serde_json::Value) -> Vec<&mut serde_json::Value> {
    let commands: Vec<&mut serde_json::Value> = match v {
        serde_json::Value::Array(a) => a.iter_mut().collect(),
        one => vec![one],
    };
    commands
        .into_iter()
        .filter_map(|c| {
            c.get_mut("pipeline")
                .and_then(serde_json::Value::as_array_mut)
        })
        .flatten()
        .filter_map(|stage| stage.get_mut("$limit").filter(|n| n.is_u64()))
        .collect()
}

fn first_limit(v: &serde_json::Value) -> Option<u64> {
    let mut v = v.clone();
    limits(&mut v).first().and_then(|n| n.as_u64())
}

fn set_limits(v: &mut serde_json::Value, n: u32) {
    for limit in limits(v) {
        *limit = n.into();
    }
}

/// Chooses each batch's size from how long the one before took, aiming at `target`. A batch
/// grows at most fourfold and shrinks at most to a quarter from one to the next, so one odd
/// timing (a lock wait, a cold cache) does not swing it across the range; and never below
/// the first: a batch whose time does not shrink with its rows (a filter no index serves
/// scans the table whatever the batch takes) would otherwise shrink toward one row, and take
/// as long for each.
#[derive(Debug, Clone)]
pub struct Sizer {
    rows: u32,
    least: u32,
    target: Duration,
}

impl Sizer {
    /// Starts at `first` rows (at least 1), the smallest batch it will choose.
    pub fn new(first: u32, target: Duration) -> Self {
        let first = first.clamp(1, MAX_ROWS);
        Sizer {
            rows: first,
            least: first,
            target,
        }
    }

    /// The size of the next batch.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Records that the last batch, of [`Sizer::rows`] rows, took `took`.
    pub fn took(&mut self, took: Duration) {
        let took = took.as_secs_f64().max(0.000_1);
        let factor = (self.target.as_secs_f64() / took).clamp(0.25, 4.0);
        let next = (f64::from(self.rows) * factor).round();
        self.rows = (next as u32).clamp(self.least, MAX_ROWS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marked_size_is_replaced_and_nothing_else() {
        let sql = format!(
            "SELECT k FROM b WHERE k > 5 ORDER BY k LIMIT {}; UPDATE t SET c = 1000 LIMIT {}",
            rows(1000),
            rows(1000)
        );
        assert_eq!(
            resized(&sql, 4321),
            "SELECT k FROM b WHERE k > 5 ORDER BY k LIMIT /*strata:batch*/4321; UPDATE t SET c = 1000 LIMIT /*strata:batch*/4321"
        );
        assert_eq!(first_rows(&sql), 1000);
        assert_eq!(first_rows("UPDATE t SET c = 1"), DEFAULT_ROWS);
        assert_eq!(resized("UPDATE t SET c = 1", 7), "UPDATE t SET c = 1");
    }

    #[test]
    fn a_command_is_resized_by_its_limit() {
        let c = Statement::Command(serde_json::json!([
            { "aggregate": "u", "pipeline": [
                { "$match": { "a": 1 } }, { "$limit": 1000 },
                { "$merge": { "into": "u", "whenMatched": [{ "$set": { "x": { "$literal": { "$limit": 7 } } } }] } }
            ] },
            { "count": "u" }
        ]));
        assert_eq!(compiled_rows(&c), Some(1000));
        let Statement::Command(r) = statement(&c, 250) else {
            unreachable!()
        };
        assert_eq!(r[0]["pipeline"][1]["$limit"], 250);
        assert_eq!(r[0]["pipeline"][0]["$match"]["a"], 1);
        // A value that reads like a stage is left alone.
        assert_eq!(
            r[0]["pipeline"][2]["$merge"]["whenMatched"][0]["$set"]["x"]["$literal"]["$limit"],
            7
        );
        assert_eq!(
            compiled_rows(&Statement::Sql("UPDATE t SET a = 1".into())),
            None
        );
        let one = format!("UPDATE t SET a = 'x' LIMIT {}", rows(70));
        assert_eq!(compiled_rows(&Statement::Sql(one)), Some(70));
        // A value of the user's holding the marker: not resized at all.
        let two = format!("UPDATE t SET a = '{MARK}5' LIMIT {}", rows(70));
        assert_eq!(compiled_rows(&Statement::Sql(two)), None);
    }

    #[test]
    fn batches_grow_and_shrink_toward_the_target_within_bounds() {
        let target = Duration::from_millis(150);
        let mut s = Sizer::new(1000, target);
        // 1000 rows in 15 ms: ten times too fast, grows fourfold at most.
        s.took(Duration::from_millis(15));
        assert_eq!(s.rows(), 4000);
        // 4000 rows in 300 ms: twice too slow, halves.
        s.took(Duration::from_millis(300));
        assert_eq!(s.rows(), 2000);
        // A lock wait of 10 s: a quarter (500) at most, and not below the first batch.
        s.took(Duration::from_secs(10));
        assert_eq!(s.rows(), 1000);
        s.took(Duration::from_millis(15));
        s.took(Duration::from_secs(10));
        assert_eq!(s.rows(), 1000, "never below the first batch");
        s.took(Duration::from_millis(75));
        assert_eq!(s.rows(), 2000);
        // On target: unchanged.
        s.took(target);
        assert_eq!(s.rows(), 2000);
        let mut tiny = Sizer::new(0, target);
        assert_eq!(tiny.rows(), 1);
        tiny.took(Duration::from_secs(60));
        assert_eq!(tiny.rows(), 1);
        let mut shrinking = Sizer::new(10, target);
        shrinking.took(Duration::from_millis(1));
        shrinking.took(Duration::from_millis(1200));
        assert_eq!(shrinking.rows(), 10);
        let mut huge = Sizer::new(MAX_ROWS, target);
        huge.took(Duration::ZERO);
        assert_eq!(huge.rows(), MAX_ROWS);
    }
}
