//! A cursor over the significant tokens of a statement, for the small recursive-descent
//! readers of `table.rs`: each step either consumes what it expects or says where the text
//! stopped making sense.

use std::ops::Range;

use super::lexer::{dequote, significant, Kind, Token};

/// Why a statement could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the token that did not fit.
    pub at: usize,
    /// What was expected or found.
    pub what: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// A name as written: what it spells and the bytes of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name, dequoted.
    pub value: String,
    /// Its token, quotes included.
    pub span: Range<usize>,
}

pub struct Cursor<'a> {
    pub sql: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(sql: &'a str) -> Result<Self, ParseError> {
        let tokens = significant(sql).map_err(|e| ParseError {
            at: e.at,
            what: e.what.to_owned(),
        })?;
        Ok(Cursor {
            sql,
            tokens,
            pos: 0,
        })
    }

    pub fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    pub fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    pub fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += usize::from(t.is_some());
        t
    }

    /// Where the next token starts (the end of the text at the end).
    pub fn here(&self) -> usize {
        self.peek().map_or(self.sql.len(), |t| t.span.start)
    }

    /// Where the last consumed token ends.
    pub fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.span.end)
    }

    pub fn error<T>(&self, what: impl Into<String>) -> Result<T, ParseError> {
        let found = self.peek().map_or("the end of the text".to_owned(), |t| {
            format!("`{}`", t.text(self.sql))
        });
        Err(ParseError {
            at: self.here(),
            what: format!("expected {}, found {found}", what.into()),
        })
    }

    pub fn is_word(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_word(self.sql, keyword))
    }

    pub fn is_word_at(&self, ahead: usize, keyword: &str) -> bool {
        self.peek_at(ahead)
            .is_some_and(|t| t.is_word(self.sql, keyword))
    }

    pub fn is_punct(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is_punct(self.sql, p))
    }

    /// Consumes the keyword if it is next.
    pub fn eat_word(&mut self, keyword: &str) -> bool {
        let yes = self.is_word(keyword);
        if yes {
            self.pos += 1;
        }
        yes
    }

    pub fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        if yes {
            self.pos += 1;
        }
        yes
    }

    pub fn expect_word(&mut self, keyword: &str) -> Result<(), ParseError> {
        if self.eat_word(keyword) {
            Ok(())
        } else {
            self.error(keyword)
        }
    }

    pub fn expect_punct(&mut self, p: &str) -> Result<(), ParseError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            self.error(format!("`{p}`"))
        }
    }

    /// A name: a word, a quoted identifier or a string.
    pub fn name(&mut self) -> Result<Name, ParseError> {
        match self.peek() {
            Some(t) if t.is_name() => {
                let t = self.next().expect("peeked");
                Ok(Name {
                    value: dequote(t.text(self.sql)),
                    span: t.span,
                })
            }
            _ => self.error("a name"),
        }
    }

    /// A parenthesized group, nested parentheses included: the bytes between the outer two.
    pub fn group(&mut self) -> Result<Range<usize>, ParseError> {
        if !self.is_punct("(") {
            return self.error("`(`");
        }
        let open = self.next().expect("peeked").span.end;
        let mut depth = 1;
        while let Some(t) = self.next() {
            if t.is_punct(self.sql, "(") {
                depth += 1;
            } else if t.is_punct(self.sql, ")") {
                depth -= 1;
                if depth == 0 {
                    return Ok(open..t.span.start);
                }
            }
        }
        Err(ParseError {
            at: open - 1,
            what: "unclosed `(`".into(),
        })
    }

    /// The names of a parenthesized, comma-separated list.
    pub fn names(&mut self) -> Result<Vec<Name>, ParseError> {
        self.expect_punct("(")?;
        let mut out = vec![self.name()?];
        while self.eat_punct(",") {
            out.push(self.name()?);
        }
        self.expect_punct(")")?;
        Ok(out)
    }

    /// One token that is a literal value or a bare word (`NULL`, `CURRENT_TIMESTAMP`, …).
    pub fn term(&mut self) -> Result<(), ParseError> {
        match self.peek().map(|t| t.kind) {
            Some(Kind::Number | Kind::String | Kind::Blob | Kind::Word | Kind::Quoted) => {
                self.next();
                Ok(())
            }
            _ => self.error("a value"),
        }
    }
}
