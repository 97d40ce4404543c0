//! Out-of-tree drivers as dynamic libraries, loaded with `libloading`.
//!
//! A plugin is a `cdylib` that depends on `strata-core` and exports one entry point with
//! [`export_plugin!`](crate::export_plugin):
//!
//! ```ignore
//! strata_core::export_plugin!(my_driver::REGISTRATION);
//! ```
//!
//! The entry point, the C symbol [`ENTRY_POINT`], returns a `#[repr(C)]` [`PluginHeader`]
//! whose first four fields never change: the plugin ABI version, the `strata-core` version
//! and the rustc version the plugin was built with, and a fingerprint of the layouts of the
//! types that cross the boundary ([`LAYOUT`]). The loader compares all four with its own
//! before it touches anything else, and refuses a mismatch with a message that names each
//! value on both sides: past that check, Rust types (`Box<dyn Driver>`, `Error`, …) cross the
//! boundary, which is sound only when both sides were built from the same `strata-core`, by
//! the same compiler, with dependencies whose features give its types the same layout (a
//! `serde_json` with or without `preserve_order`, say: strata-core pins that feature on, so
//! that every build agrees).
//!
//! A plugin links its own copy of every crate it uses, tokio included, so it runs its drivers
//! on a runtime of its own (see [`export`]); `inventory` registrations do not cross the
//! boundary and are not used for plugins. A loaded library is never unloaded: the drivers,
//! their vtables and their static strings live in it.
//!
//! This module is the one place in `strata-core` with `unsafe` code.

pub mod export;

use std::ffi::{c_char, c_void, CStr};
use std::path::{Path, PathBuf};

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::registration::{CreateFuture, DriverRegistration};

/// The version of the plugin interface: [`PluginHeader`], [`PluginApi`] and the [`Driver`]
/// trait whose objects cross the boundary. Bumped whenever any of them changes.
///
/// [`Driver`]: crate::Driver
pub const ABI_VERSION: u32 = 4;

/// The name of the symbol every plugin exports.
pub const ENTRY_POINT: &str = "strata_plugin";

/// The `strata-core` version this build carries.
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `rustc -V` of the compiler that built this `strata-core`.
pub const RUSTC_VERSION: &str = env!("STRATA_RUSTC_VERSION");

/// A fingerprint of the sizes and alignments of the types that cross the plugin boundary:
/// two builds of the same `strata-core` whose dependencies were compiled with different
/// features can lay them out differently, and must not exchange them.
pub const LAYOUT: u64 = layout_fingerprint();

const fn layout_fingerprint() -> u64 {
    use std::mem::{align_of, size_of};
    macro_rules! layouts {
        ($($t:ty),* $(,)?) => { [$(size_of::<$t>(), align_of::<$t>()),*] };
    }
    let layouts = layouts![
        crate::Migration,
        crate::Step,
        crate::StepKind,
        crate::schema::Snapshot,
        crate::schema::Table,
        crate::schema::Column,
        crate::Action,
        crate::Statement,
        crate::Error,
        crate::HistoryRecord,
        crate::Analysis,
        crate::Finding,
        crate::VerifyCheck,
        crate::Row,
        crate::Value,
        crate::Fingerprint,
        crate::QualifiedName,
        crate::PortableType,
        crate::Capabilities,
        DriverRegistration,
        crate::StepContext<'static>,
        serde_json::Value,
        serde_json::Map<String, serde_json::Value>,
        String,
        Vec<u8>,
        Box<dyn crate::Driver>,
    ];
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < layouts.len() {
        hash ^= layouts[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

const CORE_VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
const RUSTC_VERSION_C: &str = concat!(env!("STRATA_RUSTC_VERSION"), "\0");

/// What the entry point returns. `#[repr(C)]`, and the first four fields are stable across
/// every ABI version, so that any strata can read them from any plugin and explain a mismatch.
#[repr(C)]
#[derive(Debug)]
pub struct PluginHeader {
    /// [`ABI_VERSION`] of the plugin's `strata-core`.
    pub abi_version: u32,
    /// [`CORE_VERSION`] of the plugin, NUL-terminated.
    pub core_version: *const c_char,
    /// [`RUSTC_VERSION`] of the plugin, NUL-terminated.
    pub rustc_version: *const c_char,
    /// [`LAYOUT`] of the plugin.
    pub layout: u64,
    /// Returns a pointer to the plugin's [`ApiSlot`]; called only once the versions match.
    pub api: extern "C" fn() -> *const c_void,
}

// SAFETY: the header is immutable and its pointers point to static, NUL-terminated strings.
unsafe impl Sync for PluginHeader {}

impl PluginHeader {
    /// The header of a plugin built with this `strata-core`.
    pub const fn new(api: extern "C" fn() -> *const c_void) -> Self {
        PluginHeader {
            abi_version: ABI_VERSION,
            core_version: CORE_VERSION_C.as_ptr().cast(),
            rustc_version: RUSTC_VERSION_C.as_ptr().cast(),
            layout: LAYOUT,
            api,
        }
    }
}

/// What a plugin offers once loaded. Implemented inside the plugin (by [`export`]), so that
/// every call runs the plugin's code, on the plugin's runtime.
pub trait PluginApi: Send + Sync {
    /// The drivers the plugin provides.
    fn drivers(&self) -> Vec<DriverRegistration>;

    /// Connects the driver named `name` to `url`.
    fn connect(&self, name: &str, url: String) -> CreateFuture;
}

/// Where a plugin's [`PluginApi`] lives: a thin pointer to it crosses the C boundary.
pub struct ApiSlot(pub &'static dyn PluginApi);

/// One driver a plugin provides, as the registry keeps it.
#[derive(Clone, Copy)]
pub struct PluginDriver {
    /// The registered name.
    pub name: &'static str,
    /// The URL schemes it accepts.
    pub url_schemes: &'static [&'static str],
    /// What it can do.
    pub capabilities: Capabilities,
    /// The library it came from.
    pub library: &'static Path,
    api: &'static dyn PluginApi,
}

impl std::fmt::Debug for PluginDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDriver")
            .field("name", &self.name)
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

impl PluginDriver {
    /// Connects this driver to `url`, through the plugin.
    pub fn connect(&self, url: String) -> CreateFuture {
        self.api.connect(self.name, url)
    }
}

/// Loads the plugin at `path` and returns the drivers it provides. The library stays loaded
/// for the life of the process.
pub fn load(path: &Path) -> Result<Vec<PluginDriver>> {
    let shown = path.display();
    let plugin_error = |message: String| Error::Registry(format!("plugin {shown}: {message}"));
    if !path.is_file() {
        return Err(plugin_error("no such file".into()));
    }
    // SAFETY: loading a library runs its initializers; a strata plugin is trusted code that
    // the user names explicitly (`--plugin`, `STRATA_PLUGIN_PATH`).
    let library = unsafe { libloading::Library::new(path) }
        .map_err(|e| plugin_error(format!("cannot load the library: {e}")))?;
    // SAFETY: the symbol's type is the entry point's, fixed for every ABI version.
    let entry = unsafe {
        library.get::<extern "C" fn() -> *const PluginHeader>(format!("{ENTRY_POINT}\0").as_bytes())
    }
    .map_err(|e| {
        plugin_error(format!(
            "not a strata plugin: it exports no `{ENTRY_POINT}` entry point ({e})"
        ))
    })?;
    let header = entry();
    if header.is_null() {
        return Err(plugin_error("its entry point returned no header".into()));
    }
    // SAFETY: a non-null header points to a static `PluginHeader` in the library, whose first
    // four fields have the same layout in every ABI version.
    let header = unsafe { &*header };
    let theirs = Versions {
        abi: header.abi_version,
        // SAFETY: both point to static NUL-terminated strings (checked non-null).
        core: unsafe { c_string(header.core_version) },
        rustc: unsafe { c_string(header.rustc_version) },
        layout: header.layout,
    };
    let ours = Versions {
        abi: ABI_VERSION,
        core: CORE_VERSION.to_owned(),
        rustc: RUSTC_VERSION.to_owned(),
        layout: LAYOUT,
    };
    if theirs != ours {
        return Err(plugin_error(mismatch(&theirs, &ours)));
    }
    let slot = (header.api)().cast::<ApiSlot>();
    if slot.is_null() {
        return Err(plugin_error("it returned no driver table".into()));
    }
    // SAFETY: the versions match, so the plugin's `ApiSlot` has this build's layout; it is a
    // static in the library, which is never unloaded (below).
    let api: &'static dyn PluginApi = unsafe { (*slot).0 };
    let library_path: &'static Path = Box::leak(PathBuf::from(path).into_boxed_path());
    std::mem::forget(library);
    let drivers: Vec<PluginDriver> = api
        .drivers()
        .into_iter()
        .map(|r| PluginDriver {
            name: r.name,
            url_schemes: r.url_schemes,
            capabilities: r.capabilities,
            library: library_path,
            api,
        })
        .collect();
    if drivers.is_empty() {
        return Err(plugin_error("it provides no driver".into()));
    }
    Ok(drivers)
}

#[derive(Debug, PartialEq, Eq)]
struct Versions {
    abi: u32,
    core: String,
    rustc: String,
    layout: u64,
}

/// The refusal for a plugin built against another strata-core or by another compiler.
fn mismatch(theirs: &Versions, ours: &Versions) -> String {
    let mark = |same: bool| if same { "" } else { "  <- differs" };
    format!(
        "built for another strata, refused:\n  \
         plugin ABI version: plugin {}, strata {}{}\n  \
         strata-core version: plugin {}, strata {}{}\n  \
         rustc version: plugin \"{}\", strata \"{}\"{}\n  \
         type layouts: plugin {:016x}, strata {:016x}{}\n\
         rebuild the plugin against strata-core ={} with {} (and no extra features on the \
         dependencies strata-core exposes)",
        theirs.abi,
        ours.abi,
        mark(theirs.abi == ours.abi),
        theirs.core,
        ours.core,
        mark(theirs.core == ours.core),
        theirs.rustc,
        ours.rustc,
        mark(theirs.rustc == ours.rustc),
        theirs.layout,
        ours.layout,
        mark(theirs.layout == ours.layout),
        ours.core,
        ours.rustc,
    )
}

/// # Safety
/// `p` is null or points to a NUL-terminated string.
unsafe fn c_string(p: *const c_char) -> String {
    if p.is_null() {
        return "(none)".into();
    }
    // SAFETY: per this function's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// The plugin libraries named by a `STRATA_PLUGIN_PATH`-style list: each entry (separated as
/// `PATH` is) is a library file, or a directory whose libraries (`.so`, `.dylib`, `.dll`) are
/// all taken, in name order.
pub fn libraries_in(list: &std::ffi::OsStr) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::env::split_paths(list) {
        if entry.as_os_str().is_empty() {
            continue;
        }
        if entry.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&entry)
                .map_err(|source| Error::Io {
                    path: entry.display().to_string(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()) == Some(std::env::consts::DLL_EXTENSION)
                })
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(entry);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mismatch_names_every_value_on_both_sides() {
        let theirs = Versions {
            abi: 7,
            core: "0.0.9".into(),
            rustc: "rustc 1.80.0".into(),
            layout: 1,
        };
        let ours = Versions {
            abi: ABI_VERSION,
            core: CORE_VERSION.into(),
            rustc: RUSTC_VERSION.into(),
            layout: LAYOUT,
        };
        let m = mismatch(&theirs, &ours);
        for needle in [
            "plugin 7",
            &format!("strata {ABI_VERSION}"),
            "plugin 0.0.9",
            &format!("strata {CORE_VERSION}"),
            "plugin \"rustc 1.80.0\"",
            &format!("strata \"{RUSTC_VERSION}\""),
            "plugin 0000000000000001",
            &format!("strata {LAYOUT:016x}"),
        ] {
            assert!(m.contains(needle), "{needle:?} missing from {m}");
        }
        assert_eq!(m.matches("<- differs").count(), 4);
    }

    #[test]
    fn rustc_version_is_the_compilers() {
        assert!(RUSTC_VERSION.starts_with("rustc "), "{RUSTC_VERSION}");
    }

    #[test]
    fn plugin_path_lists_files_and_directories() {
        let dir = std::env::temp_dir().join(crate::testing::random_database_name());
        std::fs::create_dir_all(&dir).unwrap();
        let ext = std::env::consts::DLL_EXTENSION;
        for name in [format!("b.{ext}"), format!("a.{ext}"), "notes.txt".into()] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let list = std::env::join_paths([dir.as_path(), Path::new("/x/libone.so")]).unwrap();
        let found = libraries_in(&list).unwrap();
        assert_eq!(
            found,
            vec![
                dir.join(format!("a.{ext}")),
                dir.join(format!("b.{ext}")),
                PathBuf::from("/x/libone.so")
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
