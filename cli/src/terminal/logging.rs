//! Logs on stderr, fit for a terminal and for a service: text or JSON
//! (`--log-format`), colour only on a terminal and never with `NO_COLOR`,
//! and written around the progress line rather than through it
//! (tracing-indicatif draws the line, and suspends it while a log line is
//! written).
//!
//! Verbosity: none logs errors; `-v` adds retries; `-vv` one event per
//! request (the library's `arize_audit_logs::request` events: method, path
//! and query, status, attempt, duration, request id); `-vvv` everything the
//! library logs. `RUST_LOG` replaces all of that when set.

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing::{Level, Subscriber};
use tracing_indicatif::IndicatifLayer;
use tracing_subscriber::{
    filter::{EnvFilter, Targets},
    layer::SubscriberExt,
    registry::LookupSpan,
    util::SubscriberInitExt,
    Layer,
};

/// The target of the progress line's span: only the progress layer sees it.
pub const PROGRESS_TARGET: &str = "arize_audit_logs::progress";

/// `--log-format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line per event, for people.
    #[default]
    Text,
    /// One JSON object per line, for journald, a shipper or a log store.
    Json,
}

/// What `-v` given `verbose` times shows, when `RUST_LOG` is not set.
fn default_filter(verbose: u8) -> &'static str {
    match verbose {
        0 => "error",
        1 => "arize_audit_logs=warn",
        2 => "arize_audit_logs=info,arize_audit_logs::request=debug",
        _ => "arize_audit_logs=debug",
    }
}

/// Whether log lines may carry ANSI colour: only on a terminal, and never
/// when `NO_COLOR` is set (to anything but the empty string).
fn colour(is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// A layer beside the logs, that sees every event it filters for itself
/// (the metrics' request counter).
pub type Extra = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;

/// Installs the logging of this process (once; later calls do nothing).
pub fn init(verbose: u8, format: LogFormat, extra: Option<Extra>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(verbose)));
    let progress = IndicatifLayer::new();
    let writer = progress.get_stderr_writer();
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    );
    let _ = tracing_subscriber::registry()
        .with(extra)
        .with(events(format, ansi, writer).with_filter(filter))
        // A static filter: every other callsite of every crate stays disabled
        // at its callsite, rather than asking a closure at each event.
        .with(progress.with_filter(Targets::new().with_target(PROGRESS_TARGET, Level::INFO)))
        .try_init();
}

/// The layer that writes events, in `format`.
fn events<S>(
    format: LogFormat,
    ansi: bool,
    writer: tracing_indicatif::IndicatifWriter,
) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => layer.with_target(false).boxed(),
        LogFormat::Json => layer
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_target(true)
            .boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(colour(true, None));
        assert!(!colour(false, None), "a file or journald gets no escapes");
        assert!(!colour(true, Some("1".into())));
        assert!(colour(true, Some("".into())), "an empty NO_COLOR is unset");
    }

    #[test]
    fn two_vs_show_every_request_and_one_only_retries() {
        let request = "arize_audit_logs::request=debug";
        assert!(default_filter(2).contains(request));
        assert!(!default_filter(1).contains(request));
        assert_eq!(default_filter(0), "error");
    }
}
