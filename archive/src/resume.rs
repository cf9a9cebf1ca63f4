//! Where a failed or stopped run left its archive: what is safe, and where
//! the next run goes on.

use std::path::PathBuf;

use arize_audit_logs::ResumePoint;
use chrono::{DateTime, Utc};

use crate::{conformance::Breaks, journal::Target, parallel::Window, Format, Order};
use arize_audit_logs::ListAuditLogsParams;

/// What a failed run left: carried by [`Error::resume`](crate::Error::resume).
///
/// With a state kept (a file's journal, a bucket's state, a writer's
/// state), the same [`Archive::builder`](crate::Archive::builder) request
/// continues exactly there. Without one (a writer with no state), the
/// remaining windows and the point say what to fetch again.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Resume {
    /// Entries durably in the output, as its state vouches for them.
    pub written: u64,
    /// Of those, entries held in the state and not yet stored (a bucket
    /// followed with a batch interval).
    pub held: u64,
    /// Where the output is.
    pub output: Location,
    /// Where the state is kept; `None` when the run keeps none.
    pub state: Option<StateLocation>,
    /// The page the next run asks for, and how many of its entries are
    /// already written.
    pub point: ResumePoint,
    /// The windows still to fetch, newest first; the first is where
    /// `point` applies.
    pub remaining: Vec<Window>,
    /// The oldest `created_at` written, when the run wrote entries.
    pub oldest: Option<DateTime<Utc>>,
    /// The run fetched with several workers (a writer without a state
    /// cannot be resumed then).
    pub parallel: bool,
    /// Nothing durable was written and nothing was left behind: the same
    /// request starts afresh. `Err` with why cleaning up failed.
    pub clean: Option<Result<(), String>>,
    /// Entries written that break the document (written as sent).
    pub breaks: Breaks,
    /// The request the archive belongs to: host and key source, filters,
    /// format, order and page size. A writer without a state resumes with
    /// exactly these, over `remaining` from `point`.
    pub target: Target,
    /// The filters (no range, cursor or limit).
    pub filters: ListAuditLogsParams,
    /// The format written.
    pub format: Format,
    /// The order of each page's entries.
    pub order: Order,
    /// Entries a request asks for.
    pub page_size: u32,
    /// With a cap on the entries written: how many are still to write.
    pub entries_left: Option<u64>,
}

/// Where an archive's output is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A file.
    File(PathBuf),
    /// A writer (standard output, a device, a pipe).
    Writer,
    /// A bucket's prefix, at this URL (`s3://bucket/prefix/`).
    Bucket(String),
}

/// Where an archive's state is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateLocation {
    /// A file: a file archive's journal, or the state given with
    /// [`ArchiveBuilder::state`](crate::ArchiveBuilder::state).
    File {
        /// The file.
        path: PathBuf,
        /// Whether it is the journal's default place beside the output.
        default: bool,
    },
    /// In the bucket's prefix, at this URL.
    Prefix(String),
}
