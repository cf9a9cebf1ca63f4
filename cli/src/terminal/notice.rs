//! The one place that writes the tool's own lines to stderr (warnings,
//! "Serving …", "Stopped following …", the error that ends a command), so
//! that `--log-format json` makes every stderr line a JSON object, as the
//! log events are. Text mode prints the words as they are.

use std::{
    io::Write,
    sync::atomic::{AtomicBool, Ordering},
};

use crate::terminal::logging::LogFormat;

/// Whether stderr lines are JSON (`--log-format json`).
static JSON: AtomicBool = AtomicBool::new(false);

/// How serious a line is, as the log events name their levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// What the tool is doing (a listening address, a clean stop).
    Info,
    /// Something the user should know, that did not stop the command.
    Warn,
    /// Why the command failed.
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
        }
    }
}

/// Sets how lines look, from `--log-format` (once, at start).
pub fn set_format(format: LogFormat) {
    JSON.store(format == LogFormat::Json, Ordering::Relaxed);
}

/// Writes `text` to stderr: as it is (several lines if it has them), or with
/// `--log-format json` as one JSON object on one line, shaped like the log
/// events (`timestamp`, `level`, `message`, `target`).
pub fn say(level: Level, text: &str) {
    let line = if JSON.load(Ordering::Relaxed) {
        json_line(level, text)
    } else {
        format!("{text}\n")
    };
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// [`say`] with [`Level::Info`].
pub fn info(text: &str) {
    say(Level::Info, text);
}

/// [`say`] with [`Level::Warn`].
pub fn warn(text: &str) {
    say(Level::Warn, text);
}

/// Warns when a file holding a secret (a key file, an `ax` profile) is
/// readable or writable by group or others.
pub fn warn_if_shared(path: &std::path::Path) {
    if let Some(warning) = arize_audit_logs_archive::small_file::shared_warning(path) {
        warn(&warning);
    }
}

/// One JSON object and a line break.
fn json_line(level: Level, text: &str) -> String {
    let object = serde_json::json!({
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "level": level.name(),
        "message": text,
        "target": env!("CARGO_CRATE_NAME"),
    });
    format!("{object}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_is_one_object_that_keeps_every_line_of_the_text() {
        let line = json_line(Level::Warn, "first\n  second \"quoted\"");
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        let value: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(value["level"], "WARN");
        assert_eq!(value["message"], "first\n  second \"quoted\"");
    }
}
