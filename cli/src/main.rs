//! The `strata` binary: parses arguments, runs the command, prints `error: …` with the cause
//! chain and exits with the documented code (0 ok, 1 error, 2 usage, 3 refused, 4 lock held).

fn main() {
    strata_core::failpoints_from_env();
    std::process::exit(strata_cli::main_with_args(std::env::args_os()));
}
