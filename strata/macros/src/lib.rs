//! The procedural macro behind `strata::embed!`: it reads a migrations directory at build time
//! with the same parser `strata` uses at run time, so an invalid file is a compile error that
//! names its file, step and field, and compiles each file's text into the binary with its
//! checksum.
//!
//! Written on `proc_macro` alone (no `syn`, no `quote`). Its input is one string literal; its
//! output an array of `(file, file name, text, checksum)` tuples, which `strata::embed!` (a
//! `macro_rules!` macro, so that it can name its own crate as `$crate` however the
//! application renamed it) hands to `Migrator::embedded`.

use std::path::Path;

use proc_macro::{Delimiter, Group, Literal, TokenStream, TokenTree};

/// `strata::embed!`'s implementation: use `strata::embed!`, which names the crate for you.
#[doc(hidden)]
#[proc_macro]
pub fn embed_files(input: TokenStream) -> TokenStream {
    let expanded = directory_argument(input).and_then(|relative| {
        let root = std::env::var_os("CARGO_MANIFEST_DIR")
            .ok_or("CARGO_MANIFEST_DIR is not set (is this built by cargo?)")?;
        expand(Path::new(&root), &relative)
    });
    match expanded.and_then(|code| code.parse().map_err(|e| format!("{e:?}"))) {
        Ok(tokens) => tokens,
        Err(message) => compile_error(&format!("strata::embed!: {message}")),
    }
}

/// The array expression for the migrations of `relative` under `root`, or what is wrong.
fn expand(root: &Path, relative: &str) -> Result<String, String> {
    let dir = root.join(relative);
    let dir_text = dir
        .to_str()
        .ok_or_else(|| format!("the path {} is not UTF-8", dir.display()))?;
    if !dir.is_dir() {
        return Err(format!(
            "the migrations directory {dir_text} does not exist"
        ));
    }
    let migrations = strata_core::migration::discover(&dir).map_err(|e| e.to_string())?;
    if migrations.is_empty() {
        return Err(format!(
            "the migrations directory {dir_text} holds no migration (.toml, .yaml, .yml or .json)"
        ));
    }
    let mut entries = Vec::new();
    for m in &migrations {
        // `discover` names a file by its path under `dir`, which is UTF-8.
        let path = Path::new(&m.file);
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{} has no file name", m.file))?;
        let absolute = path
            .canonicalize()
            .map_err(|e| format!("{}: {e}", m.file))?;
        let absolute = absolute
            .to_str()
            .ok_or_else(|| format!("the path {} is not UTF-8", absolute.display()))?;
        let shown = format!("{}/{file_name}", relative.trim_end_matches('/'));
        // `{:?}` of a `str` is a valid Rust string literal.
        entries.push(format!(
            "({shown:?}, {file_name:?}, ::core::include_str!({absolute:?}), {:?})",
            m.checksum
        ));
    }
    Ok(format!("&[{}]", entries.join(", ")))
}

/// The one string literal the macro takes, plain or raw.
fn directory_argument(input: TokenStream) -> Result<String, String> {
    let usage = "takes one string literal, the migrations directory: embed!(\"migrations\")";
    let mut tokens = input.into_iter();
    let literal = match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Literal(l)), None) => l.to_string(),
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::None => {
            return directory_argument(g.stream())
        }
        _ => return Err(usage.to_owned()),
    };
    string_of(&literal).ok_or_else(|| usage.to_owned())
}

/// The value of a string literal's source text: `"dir"`, `r"dir"`, `r#"dir"#`; `None` for
/// another literal, or a plain one with escapes (a directory needs none).
fn string_of(literal: &str) -> Option<String> {
    if let Some(raw) = literal.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let fence = "#".repeat(hashes);
        return raw
            .strip_prefix(&fence)?
            .strip_prefix('"')?
            .strip_suffix(&fence)?
            .strip_suffix('"')
            .map(str::to_owned);
    }
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then(|| inner.to_owned())
}

/// `compile_error!("message")`.
fn compile_error(message: &str) -> TokenStream {
    let mut call: TokenStream = "::core::compile_error!".parse().expect("a path");
    call.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        TokenTree::Literal(Literal::string(message)).into(),
    ))]);
    call
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
    }

    #[test]
    fn a_directory_becomes_its_files_with_their_checksums() {
        let code = expand(&fixtures(), "migrations").unwrap();
        assert!(code.starts_with("&[(\"migrations/0001_accounts.toml\", \"0001_accounts.toml\", ::core::include_str!("), "{code}");
        assert!(
            code.contains("\"migrations/0002_accounts_age.yaml\""),
            "{code}"
        );
        let checksum = strata_core::migration::discover(&fixtures().join("migrations")).unwrap()[1]
            .checksum
            .clone();
        assert!(code.contains(&format!("{checksum:?})]")), "{code}");
    }

    #[test]
    fn an_invalid_file_is_named_with_its_step_and_field() {
        let err = expand(&fixtures(), "invalid").unwrap_err();
        assert!(
            err.ends_with("invalid/0001_typo.toml: step 1 (create_table): unknown field `colums`, expected `table` or `columns`"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_or_empty_directory_is_refused() {
        assert!(expand(&fixtures(), "nowhere")
            .unwrap_err()
            .contains("does not exist"));
        let empty = std::env::temp_dir().join(format!("strata-embed-empty-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        assert!(expand(&empty, ".")
            .unwrap_err()
            .contains("holds no migration"));
    }

    #[test]
    fn plain_and_raw_literals_are_read() {
        assert_eq!(string_of("\"migrations\"").as_deref(), Some("migrations"));
        assert_eq!(
            string_of("r\"db/migrations\"").as_deref(),
            Some("db/migrations")
        );
        assert_eq!(string_of("r#\"a \"b\"\"#").as_deref(), Some("a \"b\""));
        assert_eq!(string_of("\"a\\\\b\""), None);
        assert_eq!(string_of("42"), None);
    }
}
