//! The plugin loader refuses a library built for another strata, and says why.

use strata_core::plugin::{ABI_VERSION, CORE_VERSION, LAYOUT, RUSTC_VERSION};
use strata_core::registry;
use strata_core::testing::{forge_plugin, Forged};

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(strata_core::testing::random_database_name());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn refusal(forged: &Forged) -> String {
    let dir = scratch();
    let library = forge_plugin(&dir, forged).unwrap();
    let err = registry::load_plugin(&library).unwrap_err().to_string();
    assert!(err.contains(&library.display().to_string()), "{err}");
    assert!(registry::drivers().unwrap().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
    err
}

#[test]
fn a_plugin_built_for_another_strata_is_refused_naming_each_version() {
    let err = refusal(&Forged {
        abi_version: ABI_VERSION + 1,
        core_version: "0.0.1".into(),
        rustc_version: "rustc 1.0.0 (forged)".into(),
        layout: 7,
    });
    for needle in [
        format!(
            "plugin ABI version: plugin {}, strata {ABI_VERSION}",
            ABI_VERSION + 1
        ),
        format!("strata-core version: plugin 0.0.1, strata {CORE_VERSION}"),
        format!("rustc version: plugin \"rustc 1.0.0 (forged)\", strata \"{RUSTC_VERSION}\""),
        format!("type layouts: plugin 0000000000000007, strata {LAYOUT:016x}"),
    ] {
        assert!(err.contains(&needle), "{needle:?} missing from:\n{err}");
    }
    assert_eq!(err.matches("<- differs").count(), 4, "{err}");
}

#[test]
fn one_mismatched_value_is_enough_to_refuse() {
    for forged in [
        Forged {
            rustc_version: "rustc 1.0.0 (forged)".into(),
            ..Forged::default()
        },
        Forged {
            core_version: "9.9.9".into(),
            ..Forged::default()
        },
        Forged {
            layout: LAYOUT ^ 1,
            ..Forged::default()
        },
    ] {
        let err = refusal(&forged);
        assert!(err.contains("refused"), "{err}");
        assert_eq!(err.matches("<- differs").count(), 1, "{err}");
    }
}

#[test]
fn a_matching_plugin_without_drivers_is_an_error_not_a_crash() {
    let dir = scratch();
    let library = forge_plugin(&dir, &Forged::default()).unwrap();
    let err = registry::load_plugin(&library).unwrap_err().to_string();
    assert!(err.contains("returned no driver table"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_missing_or_unloadable_library_is_a_clear_error() {
    let err = registry::load_plugin(std::path::Path::new("/nonexistent/libx.so"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/nonexistent/libx.so") && err.contains("no such file"),
        "{err}"
    );
    let dir = scratch();
    let not_a_library = dir.join("libempty.so");
    std::fs::write(&not_a_library, b"not an ELF file").unwrap();
    let err = registry::load_plugin(&not_a_library)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot load the library"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
