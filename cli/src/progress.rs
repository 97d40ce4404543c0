//! Progress output: on a terminal, a spinner showing the action running now, with the other
//! lines printed above it; otherwise plain lines on stderr (for logs and CI).

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

static SPINNER: OnceLock<Option<ProgressBar>> = OnceLock::new();

fn spinner() -> Option<&'static ProgressBar> {
    SPINNER
        .get_or_init(|| {
            std::io::stderr().is_terminal().then(|| {
                let bar = ProgressBar::new_spinner();
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                        .expect("valid template"),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
        })
        .as_ref()
}

/// The runner's progress sink.
pub fn line(text: &str) {
    let text = &*strata_core::secrets::scrub(text);
    match spinner() {
        // An action (or a batch, or an undo) in progress: show it on the spinner line.
        Some(bar) if text.starts_with("  ") => bar.set_message(text.trim().to_owned()),
        Some(bar) => bar.println(text),
        None => eprintln!("{text}"),
    }
}

/// Clears the spinner before the command's own output.
pub fn finish() {
    if let Some(bar) = SPINNER.get().and_then(Option::as_ref) {
        bar.finish_and_clear();
    }
}
