//! Exactly-once, resumable, tamper-evident archiving of the Arize AX audit
//! log (`GET /v2/audit-logs`), for any Rust service: the engine behind
//! `arize-audit-logs export`, into a file, a writer or an S3 bucket.
//!
//! # What it guarantees, and what that rests on
//!
//! **A file or a bucket holds every entry of the range exactly once, in
//! order, however often the run is stopped, killed or fails and the same
//! request continues it.** That holds under these conditions:
//!
//! - **One writer per archive.** [`ArchiveBuilder::open`] takes the
//!   archive's lock before it reads its state (see the module `lock`): the operating
//!   system's lock on `JOURNAL.lock` beside a local journal, released when
//!   its holder dies however it dies; a lease object in a bucket's prefix.
//!   A second writer gets [`ErrorKind::Busy`] before any request. Two
//!   machines writing one file on a network file system are kept apart only
//!   as far as that file system's locks work.
//! - **The journal is written ahead** (see [`journal`]): created before the
//!   first request, and replaced by a rename, the directory synced, only
//!   after the data it counts is synced. A file may run ahead of its
//!   journal (a page written after the last save); it is never behind it. A
//!   continued archive cuts the file back to what the journal vouches for
//!   and fetches those entries again. A bucket writes each batch's pages
//!   ahead, so a continued run cuts the same batch and uploads objects of the
//!   same names and content, replacing rather than duplicating them.
//! - **The window is pinned.** The range is fixed when the archive starts
//!   (`.last(…)` and a missing `.end(…)` become times then), and every page
//!   and every continued run asks for that same range; what the archive is
//!   (host, filters, format, order, output, range) is refused if a
//!   continuing request contradicts it ([`ErrorKind::Refused`], naming the
//!   setting). With [`ArchiveBuilder::state`] the state's window wins over
//!   the range given.
//! - **From the server: stable ids, newest first.** Each entry keeps its
//!   `id`, and the pages of one listing come newest first, each cursor going
//!   on from the page before (see the module `check`). An entry repeated across a page
//!   boundary is written once (counted in [`Summary::repeats`]); a page that
//!   breaks the order (an entry newer than the last one written that is no
//!   such repeat, or a page of nothing but repeats) stops the run with
//!   [`ErrorKind::Server`] before any of it is written.
//! - **A range is a snapshot.** An entry that becomes visible inside the
//!   part of the range already fetched (commit lag, a replica behind) is not
//!   fetched again; one Arize deletes (retention) before it is fetched is
//!   not there to archive.
//!
//! **A writer or standard output is at least once.** Without a state it
//! cannot be continued by the same request ([`Error::resume`] gives the
//! windows and cursor still to fetch). With [`ArchiveBuilder::state`], each
//! page is flushed and then acknowledged in the state, so a restart may
//! write the last page again: each line's `id` tells the repeats apart.
//!
//! **Following has a look-back bound** (see [`lookback`]). A followed archive
//! ([`ArchiveBuilder::follow`]) re-reads the last
//! [`lookback`](ArchiveBuilder::lookback) (default
//! [`DEFAULT_LOOKBACK`](lookback::DEFAULT_LOOKBACK), five minutes) before the
//! point each poll reached, by the server's clock, and writes only ids it has
//! not written. An entry that becomes visible later than that after its
//! `created_at` is seen by no poll and missed; the command line's `verify
//! --against-arize` reports such gaps.
//!
//! **Stopping is the caller's.** The library installs no signal handler: a
//! [`StopHandle`] stops the run after the page in flight is written and the
//! state saved. A range stopped part way returns [`ErrorKind::Stopped`] with
//! [`Error::resume`]; a followed archive stopped with
//! [`StopReason::Terminate`] returns `Ok`.
//!
//! # Example
//!
//! Archive November into a file; run the same program again after a crash
//! and it continues (`.continue_unfinished(true)`: while the journal
//! `audit.jsonl.checkpoint` exists). The crate's `examples/` hold complete
//! programs: `archive_to_file` (a range into a file, continued after a
//! `kill -9`) and `follow_to_bucket` (following into S3 with signed
//! digests, stopped by SIGTERM).
//!
//! ```rust,no_run
//! use arize_audit_logs_archive::{Archive, Output, StopReason};
//!
//! # async fn archive() -> Result<(), Box<dyn std::error::Error>> {
//! let client = arize_audit_logs::Client::from_env()?; // ARIZE_API_KEY, ARIZE_BASE_URL
//! let file = std::path::PathBuf::from("audit.jsonl");
//! let archive = Archive::builder(client)
//!     .start("2026-11-01T00:00:00Z".parse()?)
//!     .end("2026-12-01T00:00:00Z".parse()?)
//!     .output(Output::File(file.clone()))
//!     .continue_unfinished(true) // starts it, or continues it after a crash
//!     .open()
//!     .await?;
//! let stop = archive.stop_handle();
//! tokio::spawn(async move {
//!     if tokio::signal::ctrl_c().await.is_ok() {
//!         stop.stop(StopReason::Interrupt);
//!     }
//! });
//! match archive.run().await {
//!     Ok(summary) => println!("{} entries in {}", summary.entries, file.display()),
//!     Err(e) => {
//!         if let Some(resume) = e.resume() {
//!             eprintln!("{} entries are safe; run again to continue", resume.written);
//!         }
//!         return Err(e.into());
//!     }
//! }
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod archive;
pub mod bucket;
pub(crate) mod check;
pub(crate) mod conformance;
pub(crate) mod device;
pub mod digest;
mod error;
mod format;
pub mod hooks;
pub mod journal;
pub(crate) mod lock;
pub mod lookback;
pub mod names;
mod observer;
pub mod ocsf;
pub(crate) mod output;
pub(crate) mod parallel;
pub(crate) mod pipeline;
mod resume;
pub mod safe_file;
pub(crate) mod sink;
pub mod small_file;
mod stop;
pub mod store;

pub use archive::{
    Archive, ArchiveBuilder, Connector, Output, Settings, DEFAULT_BATCH_PAGES,
    DEFAULT_CHECKPOINT_EVERY, DEFAULT_INTERVAL, DEFAULT_PAGE_SIZE, DEFAULT_SPAN,
};
pub use conformance::Breaks;
pub use error::{Error, ErrorKind};
pub use format::{timestamp, Format, Order};
pub use observer::{Observer, Progress};
pub use parallel::Window;
pub use pipeline::Summary;
pub use resume::{Location, Resume, StateLocation};
pub use stop::{StopHandle, StopReason};
