//! The [`Engine`](strata_core::driver::Engine) of a SQL driver, which runs everything on its
//! one session: identity and capabilities from its [`Dialect`](crate::Dialect), statements and
//! counts as SQL text, transactions opened with the dialect's `BEGIN`.

use strata_core::driver::{Engine, EngineExt};
use strata_core::{Result, Statement};

/// The SQL text of `statement`; a command document is not something a SQL engine runs.
pub fn sql_text<'a>(engine: &(impl Engine + ?Sized), statement: &'a Statement) -> Result<&'a str> {
    match statement {
        Statement::Sql(s) => Ok(s),
        Statement::Command(_) => Err(engine.not_supported("command documents")),
    }
}

/// Implements [`TypeMapper`](strata_core::TypeMapper) and
/// [`Engine`](strata_core::driver::Engine) for a [`SqlDriver`](crate::SqlDriver) from its
/// dialect: `name` and `capabilities` are the dialect's `ENGINE` and `CAPABILITIES`, statements
/// run through `Dialect::run` and counts through the session, and a transaction is the
/// dialect's `BEGIN`, then `COMMIT` or `ROLLBACK`.
#[macro_export]
macro_rules! sql_engine {
    ($driver:ty) => {
        impl $crate::strata_core::TypeMapper for $driver {
            fn native_type(&self, ty: $crate::strata_core::PortableType) -> ::std::string::String {
                <<$driver as $crate::SqlDriver>::Dialect as $crate::Dialect>::native_type(ty)
            }
        }

        #[$crate::async_trait::async_trait]
        impl $crate::strata_core::driver::Engine for $driver {
            fn name(&self) -> &'static str {
                <<$driver as $crate::SqlDriver>::Dialect as $crate::Dialect>::ENGINE
            }

            fn capabilities(&self) -> $crate::strata_core::Capabilities {
                <<$driver as $crate::SqlDriver>::Dialect as $crate::Dialect>::CAPABILITIES
            }

            async fn server_version(&self) -> $crate::strata_core::Result<::std::string::String> {
                <<$driver as $crate::SqlDriver>::Dialect as $crate::Dialect>::server_version(
                    $crate::SqlDriver::session(self),
                )
                .await
            }

            async fn execute(
                &self,
                statement: &$crate::strata_core::Statement,
            ) -> $crate::strata_core::Result<u64> {
                let sql = $crate::engine::sql_text(self, statement)?;
                <<$driver as $crate::SqlDriver>::Dialect as $crate::Dialect>::run(
                    $crate::SqlDriver::session(self),
                    sql,
                )
                .await
            }

            async fn query_count(
                &self,
                statement: &$crate::strata_core::Statement,
            ) -> $crate::strata_core::Result<i64> {
                let sql = $crate::engine::sql_text(self, statement)?;
                $crate::SqlDriver::session(self).count(sql).await
            }

            async fn begin(&self) -> $crate::strata_core::Result<()> {
                $crate::SqlDriver::session(self).begin().await
            }

            async fn commit(&self) -> $crate::strata_core::Result<()> {
                $crate::SqlDriver::session(self).commit().await
            }

            async fn rollback_transaction(&self) -> $crate::strata_core::Result<()> {
                $crate::SqlDriver::session(self).rollback().await
            }
        }
    };
}
