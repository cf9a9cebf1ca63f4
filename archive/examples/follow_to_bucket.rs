//! Follows the Arize AX audit log into an S3-compatible bucket, for a
//! long-running service: gzip JSON Lines objects and manifests under the
//! prefix, the archive's state kept in the prefix too, and a signed chain of
//! digests over everything stored.
//!
//! ```text
//! ARIZE_API_KEY=... follow_to_bucket s3://my-bucket/arize/ [--endpoint URL] [--signing-key KEY.pem]
//! ```
//!
//! The bucket's credentials come from the AWS configuration (environment,
//! profile, instance role); `--endpoint` points at another S3-compatible
//! store. The first run archives the last 30 days and then polls for newer
//! entries; every later run of the same command continues the archive from
//! the state in the prefix, whatever machine it runs on (a lease in the
//! prefix keeps it to one writer at a time).
//!
//! SIGTERM (what a service manager sends) stops after the page in flight,
//! stores what was fetched and saves the state: the run ends normally and
//! the next start continues. Ctrl-C does the same, reported as an interrupt.

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use arize_audit_logs::Client;
use arize_audit_logs_archive::{Archive, Observer, Output, StopHandle, StopReason};
use chrono::{DateTime, Utc};

/// Logs what the run does: a service would feed its own logs or metrics
/// (`Observer::progress` after each page suits a gauge).
struct LogPages;

impl Observer for LogPages {
    fn following(&self, interval: Duration) {
        eprintln!("following: polling every {}s", interval.as_secs());
    }

    fn page(&self, written: u64, newest: Option<DateTime<Utc>>) {
        match newest {
            Some(newest) => eprintln!(
                "page: {written} entries, newest {}",
                arize_audit_logs_archive::timestamp(&newest)
            ),
            None => eprintln!("page: {written} entries"),
        }
    }

    fn waiting(&self, entries: u64, _pages: u64) {
        eprintln!("caught up: {entries} entries archived; waiting for the next poll");
    }

    fn late(&self, found: u64) {
        eprintln!("the look-back found {found} entries that became visible late");
    }

    fn warning(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}

/// What the command line says.
struct Args {
    url: String,
    endpoint: Option<String>,
    signing_key: Option<PathBuf>,
}

const USAGE: &str =
    "usage: follow_to_bucket s3://BUCKET/PREFIX/ [--endpoint URL] [--signing-key KEY.pem]";

/// Reads the command line by hand: an example needs no argument parser.
fn parse_args() -> Result<Args, String> {
    let mut url = None;
    let mut endpoint = None;
    let mut signing_key = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--endpoint" => {
                endpoint = Some(args.next().ok_or("--endpoint needs a URL")?);
            }
            "--signing-key" => {
                signing_key = Some(PathBuf::from(
                    args.next().ok_or("--signing-key needs a PEM file")?,
                ));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}\n{USAGE}")),
            _ if url.is_some() => return Err(format!("one bucket URL only\n{USAGE}")),
            _ => url = Some(arg),
        }
    }
    let url = url.ok_or_else(|| format!("the bucket URL is required\n{USAGE}"))?;
    Ok(Args {
        url,
        endpoint,
        signing_key,
    })
}

/// Stops the run when the service manager or the user asks: SIGTERM is a
/// normal stop of a followed archive, Ctrl-C an interrupt.
async fn stop_on_signals(stop: StopHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => stop.stop(StopReason::Terminate),
                _ = tokio::signal::ctrl_c() => stop.stop(StopReason::Interrupt),
            },
            Err(e) => {
                eprintln!("warning: cannot watch SIGTERM ({e}); only Ctrl-C stops the run");
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop.stop(StopReason::Interrupt);
                }
            }
        }
    }
    // Elsewhere, Ctrl-C is how a run is stopped.
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.stop(StopReason::Interrupt);
        }
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
    let stop = StopHandle::new();
    // No `.start()`: a new archive covers the 30 days before now, and a
    // continued one keeps the range its state pinned.
    let opened = Archive::builder(client)
        .output(Output::Bucket {
            url: args.url.clone(),
            endpoint: args.endpoint,
        })
        .follow(None)
        .digests(args.signing_key)
        .observer(Arc::new(LogPages))
        .stop_handle(stop.clone())
        .open()
        .await;
    let archive = match opened {
        Ok(archive) => archive,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "{} the archive in {}",
        if archive.settings().continued {
            "continuing"
        } else {
            "starting"
        },
        args.url
    );
    tokio::spawn(stop_on_signals(stop));

    match archive.run().await {
        Ok(summary) => {
            println!(
                "stopped: {} entries archived in {} ({} pages this run); the same command \
                 continues",
                summary.entries, args.url, summary.pages
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(resume) = e.resume() {
                eprintln!(
                    "{} entries are safely stored; run the same command again to continue",
                    resume.written
                );
            }
            ExitCode::FAILURE
        }
    }
}
