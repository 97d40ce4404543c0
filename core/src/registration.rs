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

/// A driver's identity and constructor. A driver crate writes it with [`register_driver!`].
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

/// Registers a built-in driver: defines `pub const REGISTRATION` (what a plugin exports with
/// [`export_plugin!`](crate::export_plugin)) and submits it to `inventory`, with a
/// constructor that calls the driver's `async fn connect(url: &str) -> Result<Self>`.
///
/// ```ignore
/// strata_core::register_driver!(PostgresDriver, NAME, &["postgres", "postgresql"], CAPABILITIES);
/// ```
#[macro_export]
macro_rules! register_driver {
    ($driver:ty, $name:expr, $schemes:expr, $capabilities:expr $(,)?) => {
        /// The driver's registration: built in through `inventory`, or exported from a plugin.
        pub const REGISTRATION: $crate::registry::DriverRegistration =
            $crate::registry::DriverRegistration::new($name, $schemes, $capabilities, |url| {
                ::std::boxed::Box::pin(async move {
                    let driver = <$driver>::connect(&url).await?;
                    ::std::result::Result::Ok(
                        ::std::boxed::Box::new(driver) as ::std::boxed::Box<dyn $crate::Driver>
                    )
                })
            });

        $crate::inventory::submit! { REGISTRATION }
    };
}
