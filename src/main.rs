use std::process::ExitCode;

/// mimalloc: polars allocates and frees from many threads, where the system allocator holds on
/// to memory per thread; mimalloc returns it and is faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use stopsearch::cli::{Cli, Command};
use stopsearch::error::exit;

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
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tracing::error!("{e:#}");
            let code = e
                .downcast_ref::<stopsearch::Error>()
                .map_or(exit::INPUT, |e| e.exit_code());
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Run(args) => {
            // Known before the settings are validated, so a bad setting is reported there too.
            let summary_json = args.summary_json.clone().or_else(|| {
                let file = stopsearch::config::ConfigFile::load(args.config.as_deref()?).ok()?;
                file.summary_json
            });
            let config = match (*args).into_config(cli.quiet) {
                Ok(c) => c,
                Err(e) => {
                    let e = anyhow::Error::from(e);
                    write_summary(summary_json.as_deref(), &failed(&e));
                    return Err(e);
                }
            };
            let started_at = stopsearch::manifest::now();
            match stopsearch::run::run(&config) {
                Ok(summary) => {
                    let warnings = summary.warnings(&config.thresholds);
                    for w in &warnings {
                        tracing::warn!("{w}");
                    }
                    let code = if warnings.is_empty() {
                        exit::OK
                    } else {
                        exit::WARNINGS
                    };
                    write_summary(
                        config.summary_json.as_deref(),
                        &serde_json::json!({
                            "status": if code == exit::OK { "ok" } else { "warnings" },
                            "exit_code": code,
                            "started_at": started_at,
                            "finished_at": stopsearch::manifest::now(),
                            "out": config.out,
                            "warnings": warnings,
                            "thresholds": config.thresholds,
                            "reject_share": summary.reject_share(),
                            "run": summary,
                        }),
                    );
                    Ok(code)
                }
                Err(e) => {
                    let e = anyhow::Error::from(e);
                    write_summary(config.summary_json.as_deref(), &failed(&e));
                    Err(e)
                }
            }
        }
        Command::Fetch(args) => {
            let config = args.into_config()?;
            let report = stopsearch::fetch::fetch(&config)?;
            tracing::info!("{}", report.summary());
            Ok(exit::OK)
        }
        Command::Synth(args) => {
            let config = args.into_config()?;
            let s = stopsearch::synth::synth(&config)?;
            tracing::info!(
                files = s.files,
                zero_files = s.zero_files,
                missing_force_months = s.missing_force_months,
                rows = s.rows,
                malformed_rows = s.malformed_rows,
                bytes = s.bytes,
                "wrote SYNTHETIC test data to {}",
                config.out.display()
            );
            Ok(exit::OK)
        }
        Command::GroundsCheck(args) => {
            let classifier = stopsearch::grounds::Classifier::load(&args.queries_dir()?)?;
            let sample = stopsearch::grounds::read_labelled(&args.labelled)?;
            print!("{}", stopsearch::grounds::report(&classifier, &sample));
            if args.errors {
                print!("{}", stopsearch::grounds::errors(&classifier, &sample));
            }
            Ok(exit::OK)
        }
        Command::Dictionary(args) => {
            let dir = args.queries_dir()?;
            let queries = stopsearch::tables::queries::load(&dir)?;
            let grounds = stopsearch::grounds::Classifier::load(&dir)?;
            let aggregates = stopsearch::tables::describe(
                queries,
                &stopsearch::tables::Settings::standard(grounds),
            )?;
            print!("{}", stopsearch::dictionary::markdown(&aggregates));
            Ok(exit::OK)
        }
    }
}

/// The summary of a run that failed: its exit code and the message.
fn failed(e: &anyhow::Error) -> serde_json::Value {
    let code = e
        .downcast_ref::<stopsearch::Error>()
        .map_or(exit::INPUT, |e| e.exit_code());
    serde_json::json!({
        "status": "error",
        "exit_code": code,
        "finished_at": stopsearch::manifest::now(),
        "error": format!("{e:#}"),
    })
}

/// Writes `--summary-json`; a summary that cannot be written is logged, not fatal, so the exit
/// code still tells what the run did.
fn write_summary(path: Option<&std::path::Path>, value: &serde_json::Value) {
    let Some(path) = path else { return };
    let json = serde_json::to_vec_pretty(value).expect("the summary serialises");
    if let Err(e) = stopsearch::write::atomic(path, &json) {
        tracing::error!("--summary-json: {e}");
    }
}

fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
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
