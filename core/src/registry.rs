//! The driver registry: built-in drivers register a [`DriverRegistration`] with `inventory`
//! (the CLI links them behind cargo features); out-of-tree drivers are loaded from plugins
//! with [`load_plugin`].

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{LazyLock, Mutex};

use crate::capabilities::Capabilities;
use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::plugin::PluginDriver;

pub use crate::registration::{CreateFn, CreateFuture, DriverRegistration};

static BUILT_IN: LazyLock<Result<BTreeMap<&'static str, &'static DriverRegistration>, String>> =
    LazyLock::new(|| {
        let mut map = BTreeMap::new();
        for r in inventory::iter::<DriverRegistration> {
            if map.insert(r.name, r).is_some() {
                return Err(format!(
                    "two drivers are registered under the name `{}`",
                    r.name
                ));
            }
        }
        Ok(map)
    });

/// Drivers loaded from plugins, in load order.
static PLUGINS: Mutex<Vec<PluginDriver>> = Mutex::new(Vec::new());

/// Where a driver comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Linked into this program, registered with `inventory`.
    BuiltIn,
    /// Loaded from this dynamic library.
    Plugin(&'static Path),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built in"),
            Origin::Plugin(path) => write!(f, "plugin {}", path.display()),
        }
    }
}

/// A driver the registry knows, built in or loaded from a plugin.
#[derive(Debug, Clone, Copy)]
pub struct RegisteredDriver {
    /// The name `--engine` takes.
    pub name: &'static str,
    /// URL schemes it accepts.
    pub url_schemes: &'static [&'static str],
    /// What it can do.
    pub capabilities: Capabilities,
    /// Where it comes from.
    pub origin: Origin,
    constructor: Constructor,
}

#[derive(Debug, Clone, Copy)]
enum Constructor {
    BuiltIn(CreateFn),
    Plugin(PluginDriver),
}

impl RegisteredDriver {
    /// Connects this driver to `url`.
    pub fn create(&self, url: String) -> CreateFuture {
        match self.constructor {
            Constructor::BuiltIn(create) => create(url),
            Constructor::Plugin(p) => p.connect(url),
        }
    }
}

/// Loads the plugin library at `path` (see [`crate::plugin`]) and registers its drivers;
/// returns their names. A plugin driver named like a built-in one takes its place, so that an
/// out-of-tree build of a driver can be used without rebuilding strata (`strata drivers` shows
/// where each driver comes from); two plugins may not register the same name. Loading the
/// same file twice is a no-op.
pub fn load_plugin(path: &Path) -> Result<Vec<&'static str>> {
    let mut plugins = PLUGINS.lock().unwrap_or_else(|e| e.into_inner());
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let already: Vec<&'static str> = plugins
        .iter()
        .filter(|p| p.library == canonical)
        .map(|p| p.name)
        .collect();
    if !already.is_empty() {
        return Ok(already);
    }
    let loaded = crate::plugin::load(&canonical)?;
    for (i, d) in loaded.iter().enumerate() {
        let clash = plugins
            .iter()
            .chain(&loaded[..i])
            .find(|p| p.name == d.name);
        if let Some(other) = clash {
            return Err(Error::Registry(format!(
                "plugin {}: driver `{}` is already registered by plugin {}",
                canonical.display(),
                d.name,
                other.library.display()
            )));
        }
    }
    let names = loaded.iter().map(|d| d.name).collect();
    plugins.extend(loaded);
    Ok(names)
}

/// Every registered driver, by name: the built-in ones, then the plugins' (which take the
/// place of a built-in driver of the same name).
pub fn drivers() -> Result<BTreeMap<&'static str, RegisteredDriver>> {
    let built_in = BUILT_IN.as_ref().map_err(|e| Error::Registry(e.clone()))?;
    let mut map: BTreeMap<&'static str, RegisteredDriver> = built_in
        .iter()
        .map(|(name, r)| {
            (
                *name,
                RegisteredDriver {
                    name: r.name,
                    url_schemes: r.url_schemes,
                    capabilities: r.capabilities,
                    origin: Origin::BuiltIn,
                    constructor: Constructor::BuiltIn(r.create),
                },
            )
        })
        .collect();
    for p in PLUGINS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        map.insert(
            p.name,
            RegisteredDriver {
                name: p.name,
                url_schemes: p.url_schemes,
                capabilities: p.capabilities,
                origin: Origin::Plugin(p.library),
                constructor: Constructor::Plugin(*p),
            },
        );
    }
    Ok(map)
}

/// The driver registered as `name`.
pub fn by_name(name: &str) -> Result<RegisteredDriver> {
    let all = drivers()?;
    all.get(name).copied().ok_or_else(|| {
        Error::Usage(format!(
            "no driver named `{name}` (known: {})",
            all.keys().copied().collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The driver whose URL schemes include `url`'s scheme (a plugin's before a built-in one).
pub fn by_url(url: &str) -> Result<RegisteredDriver> {
    let scheme = url
        .split_once("://")
        .map(|(s, _)| s)
        .or_else(|| url.split_once(':').map(|(s, _)| s));
    let all = drivers()?;
    let known = || {
        let mut s: Vec<&str> = all
            .values()
            .flat_map(|r| r.url_schemes.iter().copied())
            .collect();
        s.sort_unstable();
        s.dedup();
        s.join(", ")
    };
    let Some(scheme) = scheme else {
        return Err(Error::Usage(format!(
            "the URL has no scheme (known schemes: {})",
            known()
        )));
    };
    let mut candidates: Vec<&RegisteredDriver> = all
        .values()
        .filter(|r| r.url_schemes.contains(&scheme))
        .collect();
    candidates.sort_by_key(|r| r.origin == Origin::BuiltIn);
    candidates.first().copied().copied().ok_or_else(|| {
        Error::Usage(format!(
            "no driver for URL scheme `{scheme}` (known schemes: {})",
            known()
        ))
    })
}

/// Connects to `url` with the driver named `engine`, or the one its scheme names.
pub async fn connect(engine: Option<&str>, url: &str) -> Result<Box<dyn Driver>> {
    let registration = match engine {
        Some(name) => {
            let chosen = by_name(name)?;
            // A URL whose scheme another driver claims is not for this one: talking one
            // engine's protocol to another's server fails with a message about neither.
            if let Ok(owner) = by_url(url) {
                let scheme = url.split_once("://").map_or("", |(s, _)| s);
                if owner.name != chosen.name && !chosen.url_schemes.contains(&scheme) {
                    return Err(Error::Usage(format!(
                        "--engine {name} does not match the URL's scheme `{scheme}://`, which is driver {}'s; drop --engine or give a {name} URL ({})",
                        owner.name,
                        chosen.url_schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
            chosen
        }
        None => by_url(url)?,
    };
    registration.create(url.to_owned()).await
}
