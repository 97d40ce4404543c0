//! The procedural macro behind [`strata::embed!`](https://docs.rs/strata): it reads a
//! migrations directory at build time with the same parser `strata` uses at run time, so an
//! invalid file is a compile error naming the file, step and field, and compiles each file's
//! text into the binary with its checksum.
//!
//! Written on `proc_macro` alone (no `syn`, no `quote`): its input is one string literal, its
//! output a call of `::strata::Migrator::embedded`.

use std::path::{Path, PathBuf};

use proc_macro::{Delimiter, Group, Literal, TokenStream, TokenTree};

/// Embeds the migrations of a directory (relative to the crate's `Cargo.toml`) and evaluates
/// to a [`strata::Migrator`](https://docs.rs/strata) over them. See the `strata` crate.
#[proc_macro]
pub fn embed(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(message) => compile_error(&message),
    }
}

fn expand(input: TokenStream) -> Result<TokenStream, String> {
    let relative = directory_argument(input)?;
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or("strata::embed!: CARGO_MANIFEST_DIR is not set (is this built by cargo?)")?;
    let dir = root.join(&relative);
    if !dir.is_dir() {
        return Err(format!(
            "strata::embed!: the migrations directory {} does not exist",
            dir.display()
        ));
    }
    let migrations =
        strata_core::migration::discover(&dir).map_err(|e| format!("strata::embed!: {e}"))?;
    let mut entries = String::new();
    for m in &migrations {
        let path = Path::new(&m.file);
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("strata::embed!: {} has no UTF-8 file name", m.file))?;
        let absolute = path
            .canonicalize()
            .map_err(|e| format!("strata::embed!: {}: {e}", m.file))?;
        let absolute = absolute
            .to_str()
            .ok_or_else(|| format!("strata::embed!: {} has no UTF-8 path", m.file))?;
        let shown = format!("{}/{file_name}", relative.trim_end_matches('/'));
        entries.push_str(&format!(
            "::strata::Embedded {{ file: {}, file_name: {}, text: ::core::include_str!({}), checksum: {} }},",
            Literal::string(&shown),
            Literal::string(file_name),
            Literal::string(absolute),
            Literal::string(&m.checksum),
        ));
    }
    format!("::strata::Migrator::embedded(&[{entries}])")
        .parse()
        .map_err(|e| format!("strata::embed!: {e:?}"))
}

/// The one string literal the macro takes.
fn directory_argument(input: TokenStream) -> Result<String, String> {
    let usage =
        "strata::embed! takes one string literal, the migrations directory: embed!(\"migrations\")";
    let mut tokens = input.into_iter();
    let literal = match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Literal(l)), None) => l.to_string(),
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::None => {
            return directory_argument(g.stream())
        }
        _ => return Err(usage.to_owned()),
    };
    let inner = literal
        .strip_prefix('"')
        .and_then(|l| l.strip_suffix('"'))
        .ok_or(usage)?;
    if inner.contains('\\') {
        return Err("strata::embed!: write the directory without escapes".to_owned());
    }
    Ok(inner.to_owned())
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
