//! Helpers for drivers' tests: fresh database names and URLs.

use std::hash::{BuildHasher, Hasher};

/// `strata_test_<16 hex digits>`, different on every call.
pub fn random_database_name() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("strata_test_{:016x}", h.finish())
}

/// `url` with its database (the last path segment) replaced by `database`, query kept.
///
/// ```
/// use strata_core::testing::url_with_database;
/// assert_eq!(url_with_database("postgres://u@h:5432/test?x=1", "other"), "postgres://u@h:5432/other?x=1");
/// ```
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{database}?{q}"),
        None => format!("{root}/{database}"),
    }
}

/// The database named by `url` (its last path segment, without the query).
pub fn database_of(url: &str) -> &str {
    url.rsplit('/')
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
}
