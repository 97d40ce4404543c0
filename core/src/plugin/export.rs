//! The plugin side: what [`export_plugin!`](crate::export_plugin) builds inside a driver's
//! `cdylib`.
//!
//! A plugin carries its own copy of tokio, whose runtime context is a thread-local of that
//! copy: the host's runtime is invisible to it, and a driver polled there would find "no
//! reactor running". So the plugin starts a runtime of its own (one worker thread, which also
//! drives its I/O and timers), and every future the host receives from the plugin enters that
//! runtime each time it is polled ([`InRuntime`]). Drivers are wrapped in [`RuntimeDriver`],
//! which does this for every method of [`Driver`]. Wakers are the host's, so the host's
//! executor is woken as usual when the plugin's I/O is ready.

use std::ffi::c_void;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use async_trait::async_trait;
use tokio::runtime::{Builder, Handle, Runtime};

use super::{ApiSlot, PluginApi};
use crate::action::{Action, Statement};
use crate::driver::{Analysis, Capabilities, Driver, StepContext, VerifyCheck};
use crate::error::{Error, Result};
use crate::history::HistoryRecord;
use crate::registry::{CreateFuture, DriverRegistration};
use crate::schema::Snapshot;
use crate::steps::Step;
use crate::value::{Fingerprint, Row};
use crate::{PortableType, QualifiedName};

/// Exports the drivers of a `cdylib` as a strata plugin. Give it the drivers'
/// [`DriverRegistration`]s:
///
/// ```ignore
/// // src/lib.rs of a crate with `crate-type = ["cdylib"]`
/// strata_core::export_plugin!(my_driver::REGISTRATION);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($($registration:expr),+ $(,)?) => {
        /// The strata plugin entry point.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn strata_plugin() -> *const $crate::plugin::PluginHeader {
            extern "C" fn api() -> *const ::std::ffi::c_void {
                static SLOT: ::std::sync::OnceLock<$crate::plugin::ApiSlot> =
                    ::std::sync::OnceLock::new();
                $crate::plugin::export::slot(&SLOT, || ::std::vec![$($registration),+])
            }
            static HEADER: $crate::plugin::PluginHeader = $crate::plugin::PluginHeader::new(api);
            &HEADER
        }
    };
}

/// The plugin's [`ApiSlot`], made on first use: the registrations and the plugin's runtime.
pub fn slot(
    cell: &'static OnceLock<ApiSlot>,
    registrations: impl FnOnce() -> Vec<DriverRegistration>,
) -> *const c_void {
    let slot = cell.get_or_init(|| {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("strata-plugin")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the plugin's runtime: {e}"));
        ApiSlot(Box::leak(Box::new(Exported {
            registrations: registrations(),
            runtime,
        })))
    });
    std::ptr::from_ref(slot).cast()
}

/// The [`PluginApi`] of a plugin: its registrations, run on its own runtime (never dropped,
/// like the library).
struct Exported {
    registrations: Vec<DriverRegistration>,
    runtime: std::result::Result<Runtime, String>,
}

impl PluginApi for Exported {
    fn drivers(&self) -> Vec<DriverRegistration> {
        self.registrations.clone()
    }

    fn connect(&self, name: &str, url: String) -> CreateFuture {
        let runtime = match &self.runtime {
            Ok(rt) => rt.handle().clone(),
            Err(e) => {
                let e = Error::Registry(e.clone());
                return Box::pin(async move { Err(e) });
            }
        };
        let Some(create) = self
            .registrations
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.create)
        else {
            let e = Error::Registry(format!("the plugin has no driver named `{name}`"));
            return Box::pin(async move { Err(e) });
        };
        let handle = runtime.clone();
        Box::pin(InRuntime::new(runtime, async move {
            let inner = create(url).await?;
            Ok(Box::new(RuntimeDriver::new(handle, inner)) as Box<dyn Driver>)
        }))
    }
}

/// A future that enters a runtime each time it is polled, and when it is dropped.
pub struct InRuntime<F> {
    handle: Handle,
    future: Option<Pin<Box<F>>>,
}

impl<F> InRuntime<F> {
    /// `future`, to be polled inside `handle`'s runtime.
    pub fn new(handle: Handle, future: F) -> Self {
        InRuntime {
            handle,
            future: Some(Box::pin(future)),
        }
    }
}

impl<F: Future> Future for InRuntime<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let _entered = this.handle.enter();
        match this.future.as_mut() {
            Some(f) => f.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

impl<F> Drop for InRuntime<F> {
    fn drop(&mut self) {
        let _entered = self.handle.enter();
        self.future = None;
    }
}

/// A driver whose every call runs inside the plugin's runtime. Forwards every method of
/// [`Driver`], the provided ones included, so the inner driver's own versions are used.
pub struct RuntimeDriver {
    handle: Handle,
    inner: Option<Box<dyn Driver>>,
}

impl RuntimeDriver {
    fn new(handle: Handle, inner: Box<dyn Driver>) -> Self {
        RuntimeDriver {
            handle,
            inner: Some(inner),
        }
    }

    fn inner(&self) -> &dyn Driver {
        self.inner.as_deref().expect("taken only on drop")
    }

    async fn run<T>(&self, f: impl Future<Output = T>) -> T {
        InRuntime::new(self.handle.clone(), f).await
    }
}

impl Drop for RuntimeDriver {
    fn drop(&mut self) {
        let _entered = self.handle.enter();
        self.inner = None;
    }
}

#[async_trait]
impl Driver for RuntimeDriver {
    fn name(&self) -> &'static str {
        self.inner().name()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner().capabilities()
    }

    async fn server_version(&self) -> Result<String> {
        self.run(self.inner().server_version()).await
    }

    fn native_type(&self, ty: PortableType) -> String {
        self.inner().native_type(ty)
    }

    async fn inspect(&self) -> Result<Snapshot> {
        self.run(self.inner().inspect()).await
    }

    async fn analyze(&self, ctx: StepContext<'_>) -> Result<Analysis> {
        self.run(self.inner().analyze(ctx)).await
    }

    async fn analyze_steps(&self, steps: &[StepContext<'_>]) -> Vec<Result<Analysis>> {
        self.run(self.inner().analyze_steps(steps)).await
    }

    fn compile(&self, ctx: StepContext<'_>) -> Result<Vec<Action>> {
        self.inner().compile(ctx)
    }

    fn simulate(&self, step: &Step, before: &Snapshot, after: &mut Snapshot) {
        self.inner().simulate(step, before, after)
    }

    async fn execute(&self, statement: &Statement) -> Result<u64> {
        self.run(self.inner().execute(statement)).await
    }

    async fn query_count(&self, statement: &Statement) -> Result<i64> {
        self.run(self.inner().query_count(statement)).await
    }

    async fn begin(&self) -> Result<()> {
        self.run(self.inner().begin()).await
    }

    async fn commit(&self) -> Result<()> {
        self.run(self.inner().commit()).await
    }

    async fn rollback_transaction(&self) -> Result<()> {
        self.run(self.inner().rollback_transaction()).await
    }

    async fn ensure_history(&self) -> Result<()> {
        self.run(self.inner().ensure_history()).await
    }

    async fn history(&self) -> Result<Vec<HistoryRecord>> {
        self.run(self.inner().history()).await
    }

    async fn record(&self, record: &HistoryRecord) -> Result<()> {
        self.run(self.inner().record(record)).await
    }

    fn lock_name(&self) -> String {
        self.inner().lock_name()
    }

    async fn try_lock(&self) -> Result<bool> {
        self.run(self.inner().try_lock()).await
    }

    async fn unlock(&self) -> Result<()> {
        self.run(self.inner().unlock()).await
    }

    async fn lock_holder(&self) -> Result<Option<crate::lock::LockHolder>> {
        self.run(self.inner().lock_holder()).await
    }

    async fn read_rows(&self, table: &QualifiedName) -> Result<Vec<Row>> {
        self.run(self.inner().read_rows(table)).await
    }

    async fn write_rows(&self, table: &QualifiedName, rows: &[Row]) -> Result<u64> {
        self.run(self.inner().write_rows(table, rows)).await
    }

    async fn count_rows(&self, table: &QualifiedName) -> Result<u64> {
        self.run(self.inner().count_rows(table)).await
    }

    async fn count_nulls(&self, table: &QualifiedName, column: &str) -> Result<u64> {
        self.run(self.inner().count_nulls(table, column)).await
    }

    async fn fingerprint(&self, table: &QualifiedName) -> Result<Fingerprint> {
        self.run(self.inner().fingerprint(table)).await
    }

    async fn verify(&self) -> Result<Vec<VerifyCheck>> {
        self.run(self.inner().verify()).await
    }

    async fn server_facts(&self, tables: &[QualifiedName]) -> Result<crate::checks::ServerFacts> {
        self.run(self.inner().server_facts(tables)).await
    }

    async fn table_sizes(&self) -> Result<Vec<crate::monitor::TableSize>> {
        self.run(self.inner().table_sizes()).await
    }

    async fn activity(&self) -> Result<crate::monitor::Activity> {
        self.run(self.inner().activity()).await
    }

    fn not_supported(&self, operation: &str) -> Error {
        self.inner().not_supported(operation)
    }
}

#[cfg(test)]
mod tests {
    /// The names of the methods declared at the top level of a trait or impl body in `src`
    /// (four spaces of indentation, no `pub`).
    fn methods(src: &str) -> Vec<String> {
        let mut names: Vec<String> = src
            .lines()
            .filter_map(|l| {
                let l = l.strip_prefix("    ")?;
                let l = l.strip_prefix("async ").unwrap_or(l);
                let rest = l.strip_prefix("fn ")?;
                Some(rest.split(['(', '<']).next()?.to_owned())
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_driver_method_is_forwarded_to_the_plugin() {
        let driver = include_str!("../driver.rs");
        let trait_body = &driver[driver.find("pub trait Driver").expect("the trait")..];
        let this = include_str!("export.rs");
        let start = this
            .find("impl Driver for RuntimeDriver")
            .expect("the impl");
        let end = this[start..].find("\n}\n").expect("its end") + start;
        let declared = methods(trait_body);
        assert!(declared.len() > 20, "{declared:?}");
        assert_eq!(declared, methods(&this[start..end]));
    }
}
