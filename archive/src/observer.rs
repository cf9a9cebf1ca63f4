//! What a run tells as it goes: progress, pages, warnings. The command line
//! draws its progress line and serves its metrics from these; a service
//! logs or exports them as it likes.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Told what an archive run does as it goes. Every method has a default that
/// does nothing (warnings: a `tracing` event), so an observer implements
/// what it uses. Calls come from the run's task, between pages: keep them
/// quick.
pub trait Observer: Send + Sync {
    /// The run follows, polling every `interval`.
    fn following(&self, _interval: Duration) {}
    /// A page was fetched and `written` of its entries written; `newest` is
    /// the newest `created_at` among them.
    fn page(&self, _written: u64, _newest: Option<DateTime<Utc>>) {}
    /// Where the run is, after each page.
    fn progress(&self, _progress: &Progress) {}
    /// A followed run waits for its next poll.
    fn waiting(&self, _entries: u64, _pages: u64) {}
    /// Entries were written that break the document (see
    /// [`Breaks`](crate::Breaks)); `description` says which and how.
    fn breaks(&self, _entries: u64, _description: &str) {}
    /// `found` of the entries just written were found by the look-back of a
    /// followed run (visible only after an earlier poll had covered their
    /// `created_at`).
    fn late(&self, _found: u64) {}
    /// After each save of the state: `entries` fetched are held in it, not
    /// yet stored (a bucket followed with a batch interval).
    fn held(&self, _entries: u64) {}
    /// Something the operator should know that does not stop the run.
    fn warning(&self, message: &str) {
        tracing::warn!("{message}");
    }
    /// The run ends (finished, stopped or failed): nothing more is told.
    fn done(&self) {}
}

/// Where a run is, for a progress line.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Progress {
    /// Entries written in all (earlier runs of the archive included).
    pub entries: u64,
    /// Pages fetched in all.
    pub pages: u64,
    /// The range being fetched: start, end.
    pub range: (DateTime<Utc>, DateTime<Utc>),
    /// The oldest `created_at` written by this run (pages come newest
    /// first), if any.
    pub oldest: Option<DateTime<Utc>>,
}
