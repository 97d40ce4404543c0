//! Helpers for drivers' tests: fresh database names and URLs, and the golden statements of
//! each compile file ([`golden`]).

pub mod golden;

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

/// Builds the workspace package `package` (a plugin `cdylib`) with the cargo running the
/// tests, and returns the path of the library it produced.
pub fn build_plugin(package: &str) -> std::result::Result<std::path::PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(&cargo)
        .args(["build", "--locked", "--message-format=json", "-p", package])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !out.status.success() {
        return Err(format!("`cargo build -p {package}` failed"));
    }
    let crate_name = package.replace('-', "_");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == crate_name)
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(std::path::PathBuf::from))
        .find(|p| p.extension().and_then(|e| e.to_str()) == Some(std::env::consts::DLL_EXTENSION))
        .ok_or_else(|| format!("`cargo build -p {package}` produced no dynamic library"))
}

/// What a forged plugin claims to be built with.
#[derive(Debug, Clone)]
pub struct Forged {
    /// Its plugin ABI version.
    pub abi_version: u32,
    /// Its strata-core version.
    pub core_version: String,
    /// Its `rustc -V`.
    pub rustc_version: String,
    /// Its type layout fingerprint.
    pub layout: u64,
}

impl Default for Forged {
    /// Exactly this strata: change a field to forge a mismatch.
    fn default() -> Self {
        Forged {
            abi_version: crate::plugin::ABI_VERSION,
            core_version: crate::plugin::CORE_VERSION.into(),
            rustc_version: crate::plugin::RUSTC_VERSION.into(),
            layout: crate::plugin::LAYOUT,
        }
    }
}

/// Compiles, with the `rustc` on the PATH, a library that looks like a strata plugin but only
/// claims the versions of `forged` (it provides no driver); returns its path in `dir`. For
/// tests of the loader's refusal.
pub fn forge_plugin(
    dir: &std::path::Path,
    forged: &Forged,
) -> std::result::Result<std::path::PathBuf, String> {
    let source = dir.join("forged_plugin.rs");
    let library = dir.join(format!(
        "{}forged_plugin.{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_EXTENSION
    ));
    std::fs::write(
        &source,
        format!(
            r#"
#[repr(C)]
pub struct Header {{
    abi_version: u32,
    core_version: *const u8,
    rustc_version: *const u8,
    layout: u64,
    api: extern "C" fn() -> *const u8,
}}
unsafe impl Sync for Header {{}}
extern "C" fn api() -> *const u8 {{ std::ptr::null() }}
static HEADER: Header = Header {{
    abi_version: {abi},
    core_version: {core:?}.as_ptr(),
    rustc_version: {rustc:?}.as_ptr(),
    layout: {layout},
    api,
}};
#[unsafe(no_mangle)]
pub extern "C" fn strata_plugin() -> *const Header {{ &HEADER }}
"#,
            abi = forged.abi_version,
            core = format!("{}\0", forged.core_version),
            rustc = format!("{}\0", forged.rustc_version),
            layout = forged.layout,
        ),
    )
    .map_err(|e| format!("{}: {e}", source.display()))?;
    let out = std::process::Command::new("rustc")
        .args(["--edition", "2021", "--crate-type", "cdylib", "-o"])
        .arg(&library)
        .arg(&source)
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(library)
}
