//! SQLite's tokens, with their byte spans in the text, following the engine's tokenizer
//! (`tokenize.c`): strings, identifiers quoted in each of SQLite's four styles, comments,
//! numbers, blobs, variables and operators. Nothing is dropped: whitespace and comments are
//! tokens too, so an edit can keep every byte it does not mean to change.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs, newlines.
    Space,
    /// `-- …` to the end of the line, or `/* … */` (to the end of the text when unclosed,
    /// as SQLite reads it).
    Comment,
    /// A keyword or a bare identifier.
    Word,
    /// An identifier in `"…"`, `[…]` or `` `…` ``.
    Quoted,
    /// A string literal, `'…'` (SQLite also takes it as a name where a name is expected).
    String,
    /// `x'…'`.
    Blob,
    /// A numeric literal.
    Number,
    /// `?`, `?1`, `:name`, `@name`, `$name`.
    Variable,
    /// An operator or punctuation: `(`, `)`, `,`, `.`, `;`, `||`, `<=`, …
    Punct,
}

/// One token: its kind and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Its bytes in the text.
    pub span: Range<usize>,
}

impl Token {
    /// Its text.
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        &sql[self.span.clone()]
    }

    /// Whitespace or a comment.
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, Kind::Space | Kind::Comment)
    }

    /// A word equal to `keyword` (ASCII case-insensitive, as SQLite reads keywords).
    pub fn is_word(&self, sql: &str, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text(sql).eq_ignore_ascii_case(keyword)
    }

    /// The punctuation `p`.
    pub fn is_punct(&self, sql: &str, p: &str) -> bool {
        self.kind == Kind::Punct && self.text(sql) == p
    }

    /// A token that can name something: a word, a quoted identifier or a string.
    pub fn is_name(&self) -> bool {
        matches!(self.kind, Kind::Word | Kind::Quoted | Kind::String)
    }
}

/// Why a text does not tokenize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Where the bad token starts.
    pub at: usize,
    /// What is wrong.
    pub what: &'static str,
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// SQLite's identifier characters: ASCII letters, digits, `_`, `$`, and every byte of a
/// non-ASCII character (`sqlite3IsIdChar`).
pub fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_id_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Every token of `sql`, trivia included; their spans cover the text exactly.
pub fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (kind, len) = token_at(bytes, i)?;
        out.push(Token {
            kind,
            span: i..i + len,
        });
        i += len;
    }
    Ok(out)
}

/// The tokens of `sql` that are not trivia.
pub fn significant(sql: &str) -> Result<Vec<Token>, LexError> {
    Ok(tokenize(sql)?
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect())
}

/// The length of a quoted run starting at `i` and closed by `close`, where a doubled `close`
/// stands for itself (unless `doubled` is false, as in `[…]`).
fn quoted(
    bytes: &[u8],
    i: usize,
    close: u8,
    doubled: bool,
    what: &'static str,
) -> Result<usize, LexError> {
    let mut j = i + 1;
    loop {
        match bytes.get(j) {
            None => return Err(LexError { at: i, what }),
            Some(&b) if b == close => {
                if doubled && bytes.get(j + 1) == Some(&close) {
                    j += 2;
                } else {
                    return Ok(j + 1 - i);
                }
            }
            Some(_) => j += 1,
        }
    }
}

fn run(bytes: &[u8], i: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[i..].iter().take_while(|&&b| keep(b)).count()
}

fn number(bytes: &[u8], i: usize) -> usize {
    if bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
        return 2 + run(bytes, i + 2, |b| b.is_ascii_hexdigit());
    }
    let digits = |j: usize| run(bytes, j, |b| b.is_ascii_digit() || b == b'_');
    let mut j = i + digits(i);
    if bytes.get(j) == Some(&b'.') {
        j += 1;
        j += digits(j);
    }
    if matches!(bytes.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(bytes.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if bytes.get(k).is_some_and(u8::is_ascii_digit) {
            j = k + digits(k);
        }
    }
    j - i
}

fn token_at(bytes: &[u8], i: usize) -> Result<(Kind, usize), LexError> {
    let b = bytes[i];
    let next = bytes.get(i + 1).copied();
    Ok(match b {
        b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => (
            Kind::Space,
            run(bytes, i, |c| {
                matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
            }),
        ),
        b'-' if next == Some(b'-') => (Kind::Comment, run(bytes, i, |c| c != b'\n')),
        b'/' if next == Some(b'*') => {
            let end = bytes[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(bytes.len(), |p| i + 2 + p + 2);
            (Kind::Comment, end - i)
        }
        b'\'' => (
            Kind::String,
            quoted(bytes, i, b'\'', true, "unterminated string")?,
        ),
        b'"' => (
            Kind::Quoted,
            quoted(bytes, i, b'"', true, "unterminated quoted identifier")?,
        ),
        b'`' => (
            Kind::Quoted,
            quoted(bytes, i, b'`', true, "unterminated quoted identifier")?,
        ),
        b'[' => (
            Kind::Quoted,
            quoted(bytes, i, b']', false, "unterminated [identifier]")?,
        ),
        b'x' | b'X' if next == Some(b'\'') => (
            Kind::Blob,
            1 + quoted(bytes, i + 1, b'\'', false, "unterminated blob")?,
        ),
        b'0'..=b'9' => (Kind::Number, number(bytes, i)),
        b'.' if next.is_some_and(|c| c.is_ascii_digit()) => (Kind::Number, number(bytes, i)),
        b'?' => (
            Kind::Variable,
            1 + run(bytes, i + 1, |c| c.is_ascii_digit()),
        ),
        b':' | b'@' | b'$' => (Kind::Variable, 1 + run(bytes, i + 1, is_id_char)),
        c if is_id_start(c) => (Kind::Word, run(bytes, i, is_id_char)),
        _ => {
            let two = bytes.get(i..i + 2).unwrap_or_default();
            let three = bytes.get(i..i + 3).unwrap_or_default();
            let len = if three == b"->>" {
                3
            } else if matches!(
                two,
                b"||" | b"<=" | b">=" | b"<>" | b"!=" | b"==" | b"<<" | b">>" | b"->"
            ) {
                2
            } else {
                1
            };
            (Kind::Punct, len)
        }
    })
}

/// The name a token spells: quotes removed and doubled quotes undone (`"a""b"` is `a"b`,
/// `[a b]` is `a b`, `'x'` is `x`); a word as it is.
pub fn dequote(text: &str) -> String {
    let Some(first) = text.chars().next() else {
        return String::new();
    };
    let inner = || &text[1..text.len().saturating_sub(1).max(1)];
    match first {
        '"' => inner().replace("\"\"", "\""),
        '`' => inner().replace("``", "`"),
        '\'' => inner().replace("''", "'"),
        '[' => inner().to_owned(),
        _ => text.to_owned(),
    }
}

/// Whether two names are the same to SQLite: ASCII letters compare without case.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        tokenize(sql)
            .unwrap()
            .iter()
            .map(|t| (t.kind, t.text(sql)))
            .collect()
    }

    #[test]
    fn spans_cover_the_text_exactly() {
        let sql = "CREATE TABLE [a b] (\"x\"\"y\" TEXT DEFAULT 'it''s', `z` INT) -- done";
        let tokens = tokenize(sql).unwrap();
        let rebuilt: String = tokens.iter().map(|t| t.text(sql)).collect();
        assert_eq!(rebuilt, sql);
        let mut at = 0;
        for t in &tokens {
            assert_eq!(t.span.start, at);
            at = t.span.end;
        }
    }

    #[test]
    fn quoting_styles_and_strings() {
        assert_eq!(
            kinds(r#""a""b" [c"d] `e``f` 'g''h' x'00ff'"#)
                .into_iter()
                .filter(|(k, _)| *k != Kind::Space)
                .collect::<Vec<_>>(),
            [
                (Kind::Quoted, r#""a""b""#),
                (Kind::Quoted, r#"[c"d]"#),
                (Kind::Quoted, "`e``f`"),
                (Kind::String, "'g''h'"),
                (Kind::Blob, "x'00ff'"),
            ]
        );
        assert_eq!(dequote(r#""a""b""#), r#"a"b"#);
        assert_eq!(dequote(r#"[c"d]"#), r#"c"d"#);
        assert_eq!(dequote("`e``f`"), "e`f");
        assert_eq!(dequote("'g''h'"), "g'h");
        assert_eq!(dequote("plain"), "plain");
    }

    #[test]
    fn comments_hide_what_looks_like_sql() {
        let sql = "a -- b, c)\n/* d, 'e */ f /* open";
        assert_eq!(
            kinds(sql),
            [
                (Kind::Word, "a"),
                (Kind::Space, " "),
                (Kind::Comment, "-- b, c)"),
                (Kind::Space, "\n"),
                (Kind::Comment, "/* d, 'e */"),
                (Kind::Space, " "),
                (Kind::Word, "f"),
                (Kind::Space, " "),
                (Kind::Comment, "/* open"),
            ]
        );
    }

    #[test]
    fn numbers_words_and_operators() {
        let sql = "x1$ 12.5e-3 0xFF .5 ?2 :v a||b <> ->> -1";
        assert_eq!(
            kinds(sql)
                .into_iter()
                .filter(|(k, _)| *k != Kind::Space)
                .collect::<Vec<_>>(),
            [
                (Kind::Word, "x1$"),
                (Kind::Number, "12.5e-3"),
                (Kind::Number, "0xFF"),
                (Kind::Number, ".5"),
                (Kind::Variable, "?2"),
                (Kind::Variable, ":v"),
                (Kind::Word, "a"),
                (Kind::Punct, "||"),
                (Kind::Word, "b"),
                (Kind::Punct, "<>"),
                (Kind::Punct, "->>"),
                (Kind::Punct, "-"),
                (Kind::Number, "1"),
            ]
        );
    }

    #[test]
    fn non_ascii_names_are_words() {
        assert_eq!(kinds("prénom"), [(Kind::Word, "prénom")]);
    }

    #[test]
    fn unterminated_literals_are_errors() {
        assert_eq!(
            tokenize("a 'b").unwrap_err(),
            LexError {
                at: 2,
                what: "unterminated string"
            }
        );
        assert!(tokenize("[a").is_err());
        assert!(tokenize("\"a").is_err());
    }

    #[test]
    fn names_compare_without_ascii_case() {
        assert!(same_name("Orders", "ORDERS"));
        assert!(!same_name("é", "É"));
    }
}
