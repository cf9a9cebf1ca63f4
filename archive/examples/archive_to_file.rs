//! Archives one range of the Arize AX audit log into a file, exactly once.
//!
//! ```text
//! ARIZE_API_KEY=... archive_to_file --start 2026-11-01T00:00:00Z --end 2026-12-01T00:00:00Z audit.jsonl
//! ```
//!
//! The key comes from `ARIZE_API_KEY` (never a command-line argument: those
//! are visible to every user of the machine), the host from `ARIZE_BASE_URL`
//! (else Arize's global region).
//!
//! Run the same command again after a crash, a `kill -9` or a reboot and it
//! continues where the file's journal (`FILE.checkpoint`) says, so that the
//! file ends up holding every entry of the range once, newest first. Once the
//! archive is finished the journal is gone, and the same command is refused
//! rather than writing the range a second time.
//!
//! Ctrl-C stops after the page in flight is written and the journal saved;
//! the same command continues.

use std::{path::PathBuf, process::ExitCode};

use arize_audit_logs::Client;
use arize_audit_logs_archive::{Archive, ErrorKind, Output, StopHandle, StopReason};
use chrono::{DateTime, Utc};

/// What the command line says.
struct Args {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    file: PathBuf,
}

const USAGE: &str = "usage: archive_to_file --start RFC3339 --end RFC3339 FILE";

/// Reads `--start S --end E FILE` (in any order), by hand: an example needs
/// no argument parser.
fn parse_args() -> Result<Args, String> {
    let mut start = None;
    let mut end = None;
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--start" | "--end" => {
                let value = args
                    .next()
                    .ok_or_else(|| format!("{arg} needs a time, such as 2026-11-01T00:00:00Z"))?;
                let time = value.parse::<DateTime<Utc>>().map_err(|e| {
                    format!("{arg} {value:?} is not an RFC 3339 time ({e}), such as 2026-11-01T00:00:00Z")
                })?;
                if arg == "--start" {
                    start = Some(time);
                } else {
                    end = Some(time);
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}\n{USAGE}")),
            _ if file.is_some() => return Err(format!("one FILE only\n{USAGE}")),
            _ => file = Some(PathBuf::from(arg)),
        }
    }
    match (start, end, file) {
        (Some(start), Some(end), Some(file)) => Ok(Args { start, end, file }),
        (None, _, _) => Err(format!("--start is required\n{USAGE}")),
        (_, None, _) => Err(format!("--end is required\n{USAGE}")),
        (_, _, None) => Err(format!("FILE is required\n{USAGE}")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    // Start or continue? A file archive keeps its journal beside the file
    // (`FILE.checkpoint`) while it is unfinished, and removes it when the
    // range is done. `continue_unfinished` continues when the journal is
    // there and starts when it is not, deciding under the archive's lock (a
    // second run of this command at the same time gets `ErrorKind::Busy`).
    // --start and --end are checked against the journal: a different range
    // is refused instead of mixing two archives in one file.
    let stop = StopHandle::new();
    let opened = Archive::builder(client)
        .start(args.start)
        .end(args.end)
        .output(Output::File(args.file.clone()))
        .continue_unfinished(true)
        .stop_handle(stop.clone())
        .open()
        .await;
    let archive = match opened {
        Ok(archive) => archive,
        Err(e) => return failed(&e),
    };
    if archive.settings().continued {
        eprintln!("continuing the archive in {}", args.file.display());
    }

    // Ctrl-C asks the run to stop after the page in flight; the library
    // installs no signal handler of its own.
    let on_ctrl_c = stop;
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.stop(StopReason::Interrupt);
        }
    });

    match archive.run().await {
        Ok(summary) => {
            println!(
                "archived {} entries ({} bytes, {} pages this run) from {} to {} into {}",
                summary.entries,
                summary.bytes,
                summary.pages,
                arize_audit_logs_archive::timestamp(&args.start),
                arize_audit_logs_archive::timestamp(&args.end),
                args.file.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

/// Prints what went wrong and what is safe; the exit status is non-zero.
fn failed(e: &arize_audit_logs_archive::Error) -> ExitCode {
    // The message names the cause (the file, the API's answer) already.
    eprintln!("error: {e}");
    if let Some(resume) = e.resume() {
        eprintln!(
            "{} entries are safely written; run the same command again to continue",
            resume.written
        );
    }
    match e.kind() {
        ErrorKind::Busy => eprintln!("another run is archiving this file; wait for it to end"),
        ErrorKind::Stopped(StopReason::Interrupt) => return ExitCode::from(130),
        _ => {}
    }
    ExitCode::FAILURE
}
