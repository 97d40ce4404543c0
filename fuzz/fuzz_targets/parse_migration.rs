//! The migration parser on arbitrary input: the first byte picks the format (TOML, YAML or
//! JSON), the rest is the file's text. Any result is fine but a panic, an abort or a run
//! over the time limit (`-timeout=1`, see docs/fuzzing.md).

#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_core::migration::{parse_str, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let format = match pick % 3 {
        0 => Format::Toml,
        1 => Format::Yaml,
        _ => Format::Json,
    };
    // Migration files are read as UTF-8 text; other bytes are refused before parsing.
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = parse_str("fuzz", text, format, 1, "fuzz");
});
