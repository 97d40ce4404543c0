//! The inputs kept from fuzzing the migration parser (`fuzz/`, see docs/fuzzing.md), each
//! parsed as the fuzz target parses it: the first byte picks the format (0 TOML, 1 YAML,
//! 2 JSON, modulo 3), the rest is the text. Each must give a result (a migration or an
//! error), never a panic, within a second.

use std::time::{Duration, Instant};

use strata_core::migration::{parse_str, Format};

#[test]
fn kept_fuzz_inputs_parse_or_fail_quickly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions") {
        let path = entry.expect("an entry").path();
        let data = std::fs::read(&path).expect("a kept input");
        let Some((&pick, rest)) = data.split_first() else {
            continue;
        };
        let format = match pick % 3 {
            0 => Format::Toml,
            1 => Format::Yaml,
            _ => Format::Json,
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            continue;
        };
        let started = Instant::now();
        let result =
            std::panic::catch_unwind(|| parse_str("fuzz", text, format, 1, "fuzz").is_ok());
        let took = started.elapsed();
        assert!(result.is_ok(), "{} panicked", path.display());
        assert!(
            took < Duration::from_secs(1),
            "{} took {took:?}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} kept inputs in {}", dir.display());
}
