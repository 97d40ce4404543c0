//! The driver registry: built-in drivers register a [`DriverRegistration`] with `inventory`;
//! the CLI links them behind cargo features.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use crate::driver::{Capabilities, Driver};
use crate::error::{Error, Result};

/// A future returned by a driver's `create` function.
pub type CreateFuture = Pin<Box<dyn Future<Output = Result<Box<dyn Driver>>> + Send>>;

/// Connects a driver to the database at a URL.
pub type CreateFn = fn(url: String) -> CreateFuture;

/// A driver's identity and constructor.
///
/// ```ignore
/// inventory::submit! {
///     DriverRegistration::new("postgres", &["postgres", "postgresql"], CAPABILITIES, connect)
/// }
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DriverRegistration {
    /// The name `--engine` takes.
    pub name: &'static str,
    /// URL schemes it accepts.
    pub url_schemes: &'static [&'static str],
    /// What it can do.
    pub capabilities: Capabilities,
    /// Its constructor.
    pub create: CreateFn,
}

impl DriverRegistration {
    /// A registration.
    pub const fn new(
        name: &'static str,
        url_schemes: &'static [&'static str],
        capabilities: Capabilities,
        create: CreateFn,
    ) -> Self {
        DriverRegistration {
            name,
            url_schemes,
            capabilities,
            create,
        }
    }
}

inventory::collect!(DriverRegistration);

static REGISTRY: LazyLock<Result<BTreeMap<&'static str, &'static DriverRegistration>, String>> =
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

/// Every registered driver, by name.
pub fn drivers() -> Result<&'static BTreeMap<&'static str, &'static DriverRegistration>> {
    REGISTRY.as_ref().map_err(|e| Error::Registry(e.clone()))
}

/// The driver registered as `name`.
pub fn by_name(name: &str) -> Result<&'static DriverRegistration> {
    let all = drivers()?;
    all.get(name).copied().ok_or_else(|| {
        Error::Usage(format!(
            "no driver named `{name}` (known: {})",
            all.keys().copied().collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The driver whose URL schemes include `url`'s scheme.
pub fn by_url(url: &str) -> Result<&'static DriverRegistration> {
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
        s.join(", ")
    };
    let Some(scheme) = scheme else {
        return Err(Error::Usage(format!(
            "the URL has no scheme (known schemes: {})",
            known()
        )));
    };
    all.values()
        .find(|r| r.url_schemes.contains(&scheme))
        .copied()
        .ok_or_else(|| {
            Error::Usage(format!(
                "no driver for URL scheme `{scheme}` (known schemes: {})",
                known()
            ))
        })
}

/// Connects to `url` with the driver named `engine`, or the one its scheme names.
pub async fn connect(engine: Option<&str>, url: &str) -> Result<Box<dyn Driver>> {
    let registration = match engine {
        Some(name) => by_name(name)?,
        None => by_url(url)?,
    };
    (registration.create)(url.to_owned()).await
}
