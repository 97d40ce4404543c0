//! Reading SQL text the server gave back (defaults, definitions).

/// The length, quotes included, of the string literal `text` starts with (`'it''s' …` →
/// 7): it ends at the first quote that is not doubled. `None` when `text` does not start
/// with a quote or the literal does not end.
pub fn string_literal_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'\'') {
        return None;
    }
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::string_literal_len;

    #[test]
    fn a_literal_ends_at_its_first_single_quote() {
        assert_eq!(string_literal_len("'it''s' || x"), Some(7));
        assert_eq!(string_literal_len("''"), Some(2));
        assert_eq!(string_literal_len("'''' x"), Some(4));
        assert_eq!(string_literal_len("'open"), None);
        assert_eq!(string_literal_len("5"), None);
    }
}
