use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use stopsearch::cli::{self, Cli};
use stopsearch::error::{self, exit};

/// mimalloc: polars allocates and frees from many threads, where the system allocator holds on
/// to memory per thread; mimalloc returns it and is faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (`mi_option_e`, after the deprecated options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Return freed memory to the system at once rather than after 10 ms: the run frees big
    // columns stage by stage while the next stage allocates, and the delay let those overlap,
    // holding about a fifth more memory at the peak for a few percent of speed.
    // SAFETY: a documented option, set before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.verbose);
    if let Some(n) = cli.threads {
        // Before any polars or rayon work starts, so both pools take the size.
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("POLARS_MAX_THREADS", n.to_string()) };
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: --threads: {e}");
            return ExitCode::from(exit::INPUT);
        }
    }
    match cli::execute(cli) {
        Ok(outcome) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(outcome.stdout.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A reader that stopped early (`| head`) wanted no more: not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: writing to standard output: {e}");
                    ExitCode::from(exit::OUTPUT)
                }
                _ => ExitCode::from(outcome.code),
            }
        }
        Err(e) => {
            tracing::error!("{}", error::chain(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        // Warnings too: a cron job's mail must say why a run exited with code 1.
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STOPSEARCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("stopsearch={level}")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour codes only for a person at a terminal, never in cron's mail or a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
