//! A driver's registration: its name, URL schemes, capabilities and constructor. A leaf: the
//! registry collects these, and a plugin hands one over.

use std::future::Future;
use std::pin::Pin;

use crate::capabilities::Capabilities;
use crate::driver::Driver;
use crate::error::Result;

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
