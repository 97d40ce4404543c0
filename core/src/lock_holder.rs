//! Who holds the runner lock, and another session's statement as strata shows it: what an
//! engine reports ([`crate::RunnerLock::lock_holder`]), with no secret in it.

use serde::{Deserialize, Serialize};

/// Who holds the runner lock, as far as the engine tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// The holder's session as the engine names it (`backend pid 17442`, `connection 12`,
    /// `runner-3f2a…`).
    pub connection: String,
    /// The application name the session gave, where the engine keeps one.
    pub application: Option<String>,
    /// The client's address.
    pub client: Option<String>,
    /// Since when it holds the lock (or, where the engine says no more, since when its
    /// session or statement started), as the engine prints it.
    pub since: Option<String>,
    /// The statement the holder's session is running, if any.
    pub statement: Option<String>,
    /// Anything else the engine says (a lease's expiry and last heartbeat).
    pub detail: Option<String>,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.connection)?;
        let about: Vec<String> = [
            self.application
                .as_ref()
                .map(|a| format!("application {a}")),
            self.client.as_ref().map(|c| format!("client {c}")),
            self.since.as_ref().map(|s| format!("since {s}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !about.is_empty() {
            write!(f, " ({})", about.join(", "))?;
        }
        if let Some(d) = &self.detail {
            write!(f, "; {d}")?;
        }
        if let Some(s) = &self.statement {
            write!(f, "; running: {}", one_line(s, 200))?;
        }
        Ok(())
    }
}

/// Another session's statement as strata shows it (in messages and `status --json`): on one
/// line, cut to 200 characters, its string literals (`'…'`, `$$…$$`, `"…"` on MySQL) masked,
/// so that a `CREATE ROLE … PASSWORD '…'` someone else runs is never printed.
pub fn statement_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(256));
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A quoted literal (a doubled quote stays inside it); identifiers in double
                // quotes are masked too, which costs a name, never a secret.
                loop {
                    match chars.next() {
                        Some(d) if d == c && chars.peek() == Some(&c) => {
                            chars.next();
                        }
                        Some(d) if d == c => break,
                        Some('\\') => {
                            chars.next();
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
                out.push(c);
                out.push('…');
                out.push(c);
            }
            '$' => {
                // A dollar-quoted body: `$tag$ … $tag$`.
                let mut tag = String::from("$");
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        tag.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if chars.peek() == Some(&'$') {
                    chars.next();
                    tag.push('$');
                    let mut body = String::new();
                    for d in chars.by_ref() {
                        body.push(d);
                        if body.ends_with(&tag) {
                            break;
                        }
                    }
                    out.push_str(&tag);
                    out.push('…');
                    out.push_str(&tag);
                } else {
                    out.push_str(&tag);
                }
            }
            _ => out.push(c),
        }
    }
    one_line(&out, 200)
}

/// `s` on one line, cut to `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_lose_their_literals() {
        assert_eq!(
            statement_text("CREATE ROLE app PASSWORD 'S3cret''Pw'"),
            "CREATE ROLE app PASSWORD '…'"
        );
        assert_eq!(
            statement_text("DO $x$ BEGIN PERFORM 'k'; END $x$;\n SELECT $$a$$, 1"),
            "DO $x$…$x$; SELECT $$…$$, 1"
        );
        assert_eq!(
            statement_text("SET PASSWORD = \"pw\\\"x\""),
            "SET PASSWORD = \"…\""
        );
        assert_eq!(statement_text("SELECT pg_sleep(30)"), "SELECT pg_sleep(30)");
        assert_eq!(statement_text("SELECT $1"), "SELECT $1");
    }

    #[test]
    fn a_holder_reads_as_one_line() {
        let h = LockHolder {
            connection: "backend pid 17442".into(),
            application: Some("strata".into()),
            client: Some("127.0.0.1:50122".into()),
            since: Some("2026-12-01 21:30:00+00".into()),
            statement: Some("SELECT\n  pg_sleep(30)".into()),
            detail: None,
        };
        assert_eq!(
            h.to_string(),
            "backend pid 17442 (application strata, client 127.0.0.1:50122, since 2026-12-01 21:30:00+00); running: SELECT pg_sleep(30)"
        );
    }
}
