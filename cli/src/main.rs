//! `arize-audit-logs`: export and inspect the Arize AX audit log.

mod commands;
mod connection;
mod failure;
mod flags;
mod service;
mod terminal;

use std::process::ExitCode;

// The archive engine's modules, by the names the tool has always used.
use arize_audit_logs_archive::{
    bucket, digest, hooks, journal, lookback, ocsf, safe_file, small_file,
};

use crate::{
    failure::Failure,
    flags::cli::{Cli, Command},
    service::metrics,
    terminal::{logging, notice},
};
use clap::Parser;

/// An export allocates and frees a buffer for every entry; with mimalloc
/// that costs a fraction of the system allocator's CPU time (`perf` on
/// `cargo xtask bench`'s 100k-entry export: malloc and free fell from 11% of
/// the samples to 3%). Transparent huge pages are off (`no_thp`): with them
/// the peak RSS was 24 MiB instead of 10.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread: the work is I/O-bound, and hand-offs between worker threads
    // cost more than they save (measured with `cargo xtask bench`). An
    // export with several workers decodes several pages at once: there a
    // thread a core lets decoding overlap the waits. The fake server answers
    // concurrent requests on every core, as a real server would.
    let parallel = match &cli.command {
        Command::Export(args) => args.parallel.is_some_and(|n| n > 1),
        Command::ServeMock(_) => true,
        _ => false,
    };
    let mut builder = if parallel {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.is_quiet() {
                notice::say(notice::Level::Error, &failure.report());
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let (verbose, log_format) = cli.command.logging();
    notice::set_format(log_format);
    let metrics = metrics::for_command(&cli.command)?;
    logging::init(
        verbose,
        log_format,
        metrics.as_ref().map(|m| m.request_layer()),
    );
    match cli.command {
        Command::List(args) => commands::list::run(args).await,
        Command::Export(args) => commands::export::command(args, metrics).await,
        Command::Schema(args) => commands::schema::run(&args),
        Command::ServeMock(args) => commands::serve_mock::run(args).await,
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Config(args) => commands::config::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        Command::Verify(args) => commands::verify::run(args).await,
        Command::Keygen(args) => commands::keygen::run(&args),
    }
}
