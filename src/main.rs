//! `yangguang`: the command line; see [`yangguang::cli`].
#![forbid(unsafe_code)]

use std::process::ExitCode;

/// mimalloc instead of the system allocator: the service's work (decoding and encoding JSON,
/// folding events, building responses) is many small short-lived allocations, where glibc's
/// malloc spent about 45% of the server's CPU in a profile of the log being tailed under load
/// (`benches/README.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    yangguang::cli::main()
}
