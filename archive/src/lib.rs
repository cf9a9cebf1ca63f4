//! Exactly-once, resumable, tamper-evident archiving of the Arize AX audit
//! log, for any Rust service.
//!
//! (The crate's guide is written in `archive/README.md`.)

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
