//! What the terminal and the metrics endpoint make of an export as it goes:
//! the engine's [`Observer`] events, drawn as the progress line, counted in
//! the metrics, and said as warnings on stderr.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use arize_audit_logs_archive::{Observer, Progress};
use chrono::{DateTime, Utc};

use crate::terminal::progress::ProgressLine;

/// The export's observers: the progress line, and the metrics when served.
pub struct Terminal {
    line: Mutex<ProgressLine>,
    metrics: Option<Arc<dyn Observer>>,
}

impl Terminal {
    /// A progress line when `progress` (and stderr is a terminal), and the
    /// metrics to count in.
    pub fn new(progress: bool, metrics: Option<Arc<dyn Observer>>) -> Self {
        Self {
            line: Mutex::new(ProgressLine::new(progress)),
            metrics,
        }
    }

    fn line(&self) -> std::sync::MutexGuard<'_, ProgressLine> {
        self.line.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Observer for Terminal {
    fn following(&self, interval: Duration) {
        if let Some(m) = &self.metrics {
            m.following(interval);
        }
    }

    fn page(&self, written: u64, newest: Option<DateTime<Utc>>) {
        if let Some(m) = &self.metrics {
            m.page(written, newest);
        }
    }

    fn progress(&self, progress: &Progress) {
        self.line().update(
            progress.entries,
            progress.pages,
            progress.range,
            progress.oldest,
        );
    }

    fn waiting(&self, entries: u64, pages: u64) {
        self.line().waiting(entries, pages);
    }

    fn breaks(&self, entries: u64, description: &str) {
        if let Some(m) = &self.metrics {
            m.breaks(entries, description);
        }
        crate::terminal::notice::warn(&format!(
            "warning: {description}; written as sent, and the export will exit with status 4"
        ));
    }

    fn late(&self, found: u64) {
        if let Some(m) = &self.metrics {
            m.late(found);
        }
    }

    fn held(&self, entries: u64) {
        if let Some(m) = &self.metrics {
            m.held(entries);
        }
    }

    fn warning(&self, message: &str) {
        crate::terminal::notice::warn(message);
    }

    fn done(&self) {
        self.line().finish();
    }
}
