//! Credentials never printed: the one place every URL and every line of output goes through.
//!
//! [`redact_url`] works on the URL as typed, without parsing it, so that a URL no parser
//! accepts (a port `notaport` or `99999`, several hosts, an empty host with `?host=`) is
//! redacted as well as a good one: the user-info password (`scheme://user:PASSWORD@…`) and
//! the values of password-like query keys (`?password=…`, `sslpassword`, `pwd`, `token`,
//! `secret`, MongoDB's `authMechanismProperties`) become `***`.
//!
//! [`remember`] notes the secrets of the URL a command runs with (as typed and
//! percent-decoded), and [`scrub`] replaces each of them, and every URL password, in any text
//! before it is printed or written: an error a client library builds from the URL, a guide, a
//! JSON report. Secrets shorter than [`MIN_SCRUBBED`] characters, and secrets the redacted URL
//! shows anyway (a password equal to the user name), are left to the URL redaction, or every
//! matching word of the output would be masked.

use std::borrow::Cow;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Secrets shorter than this are not searched for in free text (see the module docs).
pub const MIN_SCRUBBED: usize = 3;

static REMEMBERED: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Whether a query key names a secret.
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "authmechanismproperties"]
        .iter()
        .any(|k| key.contains(k))
}

/// The byte ranges of the secrets in `url`: the user-info password and the values of
/// password-like query keys.
fn secret_ranges(url: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let authority_at = url.find("://").map(|i| i + 3);
    if let Some(start) = authority_at {
        let rest = &url[start..];
        // The authority ends at the path, query or fragment; its user-info ends at its last
        // `@` (a password with an unescaped `@` still ends there).
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            if let Some(colon) = rest[..at].find(':') {
                ranges.push((start + colon + 1, start + at));
            }
        }
    }
    // Query parameters (also `key=value` pairs of a PostgreSQL connection string).
    let query_start = url.find('?').map_or(0, |i| i + 1);
    let mut offset = query_start;
    for pair in url[query_start..].split(['&', ';', ' ']) {
        if let Some(eq) = pair.find('=') {
            if secret_key(&pair[..eq]) {
                let value_start = offset + eq + 1;
                let value_end = offset + pair.find('#').unwrap_or(pair.len());
                if value_end > value_start {
                    ranges.push((value_start, value_end));
                }
            }
        }
        offset += pair.len() + 1;
    }
    ranges.sort_unstable();
    ranges
}

/// `url` with every secret replaced by [`MASK`]; works on URLs no parser accepts.
pub fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut at = 0;
    for (start, end) in secret_ranges(url) {
        if start < at {
            continue;
        }
        out.push_str(&url[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&url[at..]);
    out
}

/// The secrets of `url`, as typed and percent-decoded.
pub fn secrets_of(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, end) in secret_ranges(url) {
        let raw = &url[start..end];
        for s in [raw.to_owned(), percent_decode(raw)] {
            if !s.is_empty() && !found.contains(&s) {
                found.push(s);
            }
        }
    }
    found
}

/// Notes the secrets of `url` for [`scrub`]. A secret that the redacted URL shows anyway (a
/// password equal to the user name, the database or the scheme, as `postgres:postgres@…`) is
/// not searched for in free text: masking every `postgres` would hide nothing and garble
/// every line.
pub fn remember(url: &str) {
    let shown = redact_url(url);
    let secrets: Vec<String> = secrets_of(url)
        .into_iter()
        .filter(|s| !shown.contains(s.as_str()))
        .collect();
    if secrets.is_empty() {
        return;
    }
    let mut known = REMEMBERED.write().unwrap_or_else(|e| e.into_inner());
    for s in secrets {
        if !known.contains(&s) {
            known.push(s);
        }
    }
    // Longest first, so that a secret holding another is masked whole.
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every remembered secret and every URL password in it replaced by [`MASK`].
pub fn scrub(text: &str) -> Cow<'_, str> {
    let known = REMEMBERED.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for secret in known.iter().filter(|s| s.chars().count() >= MIN_SCRUBBED) {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    if out.contains("://") {
        out = Cow::Owned(redact_urls_in(&out));
    }
    out
}

/// Redacts each URL-looking word of `text` (one that holds `://`).
fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | '(' | ')') {
            flush_word(&mut out, &mut word);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush_word(&mut out, &mut word);
    out
}

fn flush_word(out: &mut String, word: &mut String) {
    if word.contains("://") {
        out.push_str(&redact_url(word));
    } else {
        out.push_str(word);
    }
    word.clear();
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str = "S3cretPw";

    #[test]
    fn every_url_shape_is_redacted() {
        let shapes = [
            "postgres://postgres:S3cretPw@127.0.0.1:notaport/x",
            "postgres://postgres:S3cretPw@127.0.0.1:99999/x",
            "mysql://root:S3cretPw@127.0.0.1:70000/test",
            "mongodb://u:S3cretPw@127.0.0.1:99999/db",
            "mongodb://u:S3cretPw@127.0.0.1:27017,localhost:27017/db?replicaSet=rs0",
            "postgresql://postgres:S3cretPw@/db?host=/var/run/postgresql",
            "postgres://postgres:S3cretPw@h1:5432,h2:5433/db?target_session_attrs=any",
            "postgres://postgres@127.0.0.1/test?password=S3cretPw",
            "mysql://root@127.0.0.1/test?ssl-mode=DISABLED&password=S3cretPw#frag",
            "postgres://postgres@127.0.0.1/test?sslpassword=S3cretPw&application_name=x",
            "postgres://u:S3cret%40Pw@h/db",
            "host=127.0.0.1 user=postgres password=S3cretPw dbname=test",
            "mongodb://u:S3c@retPw@h/db",
        ];
        for url in shapes {
            let r = redact_url(url);
            assert!(!r.contains(PW) && !r.contains("S3cret"), "{url} → {r}");
            assert!(r.contains(MASK), "{url} → {r}");
        }
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://app@db/x?password=p&sslmode=require"),
            "postgres://app@db/x?password=***&sslmode=require"
        );
        for clean in [
            "postgres://app@db/x",
            "sqlite://strata.db?mode=rwc",
            "sqlite::memory:",
            "mysql://root@127.0.0.1:3306/test",
        ] {
            assert_eq!(redact_url(clean), clean);
        }
    }

    #[test]
    fn remembered_secrets_are_scrubbed_from_free_text() {
        remember("postgres://u:Zq%2Fsecret@h:notaport/db");
        let line = "invalid port in postgres://u:Zq%2Fsecret@h:notaport/db (password Zq/secret)";
        let s = scrub(line);
        assert!(
            !s.contains("Zq%2Fsecret") && !s.contains("Zq/secret"),
            "{s}"
        );
        assert_eq!(scrub("nothing to hide"), "nothing to hide");
        assert_eq!(
            scrub("see mongodb://a:b-c-d@x/y, then"),
            "see mongodb://a:***@x/y, then"
        );
    }

    #[test]
    fn a_password_the_url_shows_anyway_leaves_free_text_alone() {
        remember("postgres://postgres:postgres@127.0.0.1/test");
        assert_eq!(scrub("postgres on sqlite"), "postgres on sqlite");
        assert_eq!(
            scrub("cannot open postgres://postgres:postgres@h/x"),
            "cannot open postgres://postgres:***@h/x"
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b%2"), "a@b%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
