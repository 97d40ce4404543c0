//! # strata-sqlite-plugin
//!
//! `strata-sqlite` built as a `cdylib` and exported as a strata plugin: the proof that an
//! out-of-tree driver loaded with `strata --plugin` behaves exactly like a built-in one (its
//! test runs the whole conformance suite through the dynamic library), and the example
//! `docs/driver-authors.md` walks through.
//!
//! ```sh
//! cargo build -p strata-sqlite-plugin
//! strata --plugin target/debug/libstrata_sqlite_plugin.so drivers
//! ```

strata_core::export_plugin!(strata_sqlite::REGISTRATION);
