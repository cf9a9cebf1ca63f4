//! The one way in: [`Archive::builder`] → [`ArchiveBuilder::open`] →
//! [`Archive::run`].
//!
//! `open` is the only path that takes the archive's lock, checks its state
//! against the request (what the archive is against how it runs), creates
//! its files safely and decides between starting and continuing. Every
//! output (a file, a device, a writer, a bucket, objects) goes through it.

use std::{io::Write, path::PathBuf, sync::Arc, time::Duration};

use arize_audit_logs::{Client, ListAuditLogsParams, ResumePoint};
use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;

use crate::{
    journal::{KeySource, Target},
    lock::LocalLock,
    names::{BuilderNames, Names, Setting},
    observer::Observer,
    parallel::Window,
    pipeline::Summary,
    store::Uploader,
    Error, Format, Order, StopHandle,
};

/// Entries a request asks for unless [`ArchiveBuilder::page_size`] says.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// How often a followed archive polls unless [`ArchiveBuilder::follow`] says.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// The range the server applies when none is given: 30 days before the end.
pub const DEFAULT_SPAN: TimeDelta = TimeDelta::days(30);
/// How often a file's journal is brought up to date unless
/// [`ArchiveBuilder::checkpoint_every`] says.
pub const DEFAULT_CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// Pages in one object of a bucket unless [`ArchiveBuilder::batch_pages`]
/// says.
pub const DEFAULT_BATCH_PAGES: u64 = 50;

const WRITE_BUFFER: usize = 256 * 1024;

mod open;
mod request;

/// Where an archive goes.
pub enum Output {
    /// A file, with its journal beside it (`FILE.checkpoint`) unless
    /// [`ArchiveBuilder::state`] names another place. A device or FIFO is
    /// written as a stream, with no journal unless a state is named.
    File(PathBuf),
    /// Standard output.
    Stdout,
    /// Any writer. Without a state it cannot be continued; with one, a
    /// restart may write one page again (each line's id tells them apart).
    Writer(Box<dyn Write + Send>),
    /// gzip JSON Lines objects, manifests and the archive's state in an
    /// S3-compatible bucket (`s3://bucket/prefix/`), at `endpoint` when
    /// given (else the AWS configuration's).
    Bucket {
        /// `s3://bucket/prefix/`.
        url: String,
        /// An S3-compatible endpoint URL.
        endpoint: Option<String>,
    },
    /// Batches of JSON Lines through an object store of your own (see
    /// [`Uploader`]), with the state in the file
    /// [`ArchiveBuilder::state`] names (required).
    Objects(Box<dyn Uploader>),
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Stdout => f.write_str("Stdout"),
            Self::Writer(_) => f.write_str("Writer(..)"),
            Self::Bucket { url, endpoint } => f
                .debug_struct("Bucket")
                .field("url", url)
                .field("endpoint", endpoint)
                .finish(),
            Self::Objects(uploader) => f
                .debug_tuple("Objects")
                .field(&uploader.location())
                .finish(),
        }
    }
}

/// Builds the client for the host and key source a continued archive's
/// state records (`Some`), or as the caller configured it (`None`), and says
/// which target it is.
pub type Connector = Box<
    dyn FnOnce(
            Option<&Target>,
        ) -> Result<(Client, Target), Box<dyn std::error::Error + Send + Sync>>
        + Send,
>;

/// An archive ready to run: its lock taken, its state checked, its files
/// in place.
pub struct Archive {
    run: BoxFuture<'static, Result<Summary, Error>>,
    stop: StopHandle,
    settings: Settings,
}

/// What an opened archive is, as its state records it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// It continues an archive (its state existed).
    pub continued: bool,
    /// The format.
    pub format: Format,
    /// The order of each page's entries.
    pub order: Order,
    /// The filters (no range, cursor or limit).
    pub filters: ListAuditLogsParams,
    /// Entries a request asks for.
    pub page_size: u32,
    /// The range first asked for.
    pub requested: Window,
    /// Following: how often it polls, and how far back it looks.
    pub follow: Option<(Duration, Duration)>,
    /// Where its state is kept, if anywhere.
    pub state: Option<crate::StateLocation>,
}

impl Archive {
    /// A builder for an archive fetched with `client` (its base URL is part
    /// of what the archive is: a state made with another host is refused).
    pub fn builder(client: Client) -> ArchiveBuilder {
        let target = Target {
            base_url: client.base_url().to_owned(),
            key: KeySource::Caller,
        };
        ArchiveBuilder::with_connector(Box::new(move |_| Ok((client, target))))
    }

    /// Stops the run from another task (see [`StopHandle`]).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// What the archive is, as its state records it.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs until the range is archived, or, following, until stopped.
    ///
    /// On failure the error says what is safe and where the run stopped
    /// ([`Error::resume`]); the same request continues it.
    pub async fn run(self) -> Result<Summary, Error> {
        self.run.await
    }
}

/// Sets up an [`Archive`]: what it archives (range, filters, format, order,
/// output: pinned in its state) and how it runs (page size, workers,
/// intervals: may change from one run to the next).
pub struct ArchiveBuilder {
    connect: Connector,
    output: Output,
    state: Option<PathBuf>,
    resume_only: bool,
    continue_unfinished: bool,
    overwrite: bool,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    last: Option<Duration>,
    filters: ListAuditLogsParams,
    format: Option<Format>,
    order: Option<Order>,
    page_size: Option<u32>,
    parallel: Option<u16>,
    follow: Option<Option<Duration>>,
    lookback: Option<Duration>,
    max_entries: Option<u64>,
    digests: bool,
    signing_key: Option<PathBuf>,
    cursor: Option<ResumePoint>,
    checkpoint_every: Duration,
    batch_pages: u64,
    batch_interval: Option<Duration>,
    observer: Arc<dyn Observer>,
    stop: StopHandle,
    names: Arc<dyn Names>,
}

/// An observer told nothing.
struct Silent;

impl Observer for Silent {}

impl ArchiveBuilder {
    /// A builder whose client `connect` makes: for the host and key source
    /// a continued archive's state records, or, for a new one, as configured
    /// (a command line's flags, profiles and environment).
    pub fn with_connector(connect: Connector) -> Self {
        Self {
            connect,
            output: Output::Stdout,
            state: None,
            resume_only: false,
            continue_unfinished: false,
            overwrite: false,
            start: None,
            end: None,
            last: None,
            filters: ListAuditLogsParams::default(),
            format: None,
            order: None,
            page_size: None,
            parallel: None,
            follow: None,
            lookback: None,
            max_entries: None,
            digests: false,
            signing_key: None,
            cursor: None,
            checkpoint_every: DEFAULT_CHECKPOINT_EVERY,
            batch_pages: DEFAULT_BATCH_PAGES,
            batch_interval: None,
            observer: Arc::new(Silent),
            stop: StopHandle::new(),
            names: Arc::new(BuilderNames),
        }
    }

    /// Where the archive goes (standard output unless set).
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    /// Keeps the archive's state in this file: a writer's state, a bucket's
    /// (else kept in its prefix), or a file's (else beside it). With a
    /// state, the same request starts the archive or continues it.
    pub fn state(mut self, path: impl Into<PathBuf>) -> Self {
        self.state = Some(path.into());
        self
    }

    /// Continues an archive only: refused when there is none to continue.
    pub fn resume_only(mut self, yes: bool) -> Self {
        self.resume_only = yes;
        self
    }

    /// Continues the archive when it is unfinished (its state exists: a
    /// file's journal beside it, or the state given), else starts it, so the
    /// same request run again after any stop finishes the same archive. The
    /// decision is taken under the archive's lock. What the archive is
    /// (range, filters, format) is still checked against its state.
    pub fn continue_unfinished(mut self, yes: bool) -> Self {
        self.continue_unfinished = yes;
        self
    }

    /// Replaces a file that already has content (never without this).
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = yes;
        self
    }

    /// The range's start (inclusive).
    pub fn start(mut self, start: DateTime<Utc>) -> Self {
        self.start = Some(start);
        self
    }

    /// The range's end (inclusive; now unless set).
    pub fn end(mut self, end: DateTime<Utc>) -> Self {
        self.end = Some(end);
        self
    }

    /// The range `span` long up to the end (now unless set). Pinned when
    /// the archive starts: a continued archive keeps its own window.
    pub fn last(mut self, span: Duration) -> Self {
        self.last = Some(span);
        self
    }

    /// The filters: every query parameter set in `params` (a range set there
    /// is taken as [`start`](Self::start) and [`end`](Self::end); a cursor
    /// and limit are ignored: see [`cursor`](Self::cursor) and
    /// [`page_size`](Self::page_size)).
    pub fn filters(mut self, mut params: ListAuditLogsParams) -> Self {
        if let Some(start) = params.start_time.take() {
            self.start = Some(start);
        }
        if let Some(end) = params.end_time.take() {
            self.end = Some(end);
        }
        params.cursor = None;
        params.limit = None;
        self.filters = params;
        self
    }

    /// The format (JSON Lines unless set).
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// The order of each page's entries (newest first unless set).
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// Entries a request asks for ([`DEFAULT_PAGE_SIZE`] unless set).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Fetches with `workers` requests at once, the range cut into windows
    /// written in order.
    pub fn parallel(mut self, workers: u16) -> Self {
        self.parallel = Some(workers);
        self
    }

    /// Never finishes: after the range, polls for newer entries every
    /// `interval` ([`DEFAULT_INTERVAL`] when `None`).
    pub fn follow(mut self, interval: Option<Duration>) -> Self {
        self.follow = Some(interval);
        self
    }

    /// How far back each poll of a followed archive reads again, for
    /// entries the server shows late ([`crate::lookback::DEFAULT_LOOKBACK`] unless set).
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.lookback = Some(lookback);
        self
    }

    /// Stops after `max` entries.
    pub fn max_entries(mut self, max: u64) -> Self {
        self.max_entries = Some(max);
        self
    }

    /// Writes a chain of digests of what is written, signed with the
    /// Ed25519 key in `signing_key` when given.
    pub fn digests(mut self, signing_key: Option<PathBuf>) -> Self {
        self.digests = true;
        self.signing_key = signing_key;
        self
    }

    /// Starts at a cursor, `skip` entries into its page (a writer without a
    /// state going on where another run stopped).
    pub fn cursor(mut self, cursor: String, skip: usize) -> Self {
        self.cursor = Some(ResumePoint::new(Some(cursor), skip));
        self
    }

    /// How often a file's journal is brought up to date (zero: after every
    /// page).
    pub fn checkpoint_every(mut self, every: Duration) -> Self {
        self.checkpoint_every = every;
        self
    }

    /// Pages in one object of a bucket.
    pub fn batch_pages(mut self, pages: u64) -> Self {
        self.batch_pages = pages;
        self
    }

    /// Following into a bucket: how long fetched entries may be held in the
    /// state before they are stored ([`crate::bucket::batch::DEFAULT`] unless set).
    pub fn batch_interval(mut self, interval: Duration) -> Self {
        self.batch_interval = Some(interval);
        self
    }

    /// Told what the run does as it goes.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = observer;
        self
    }

    /// Stops the run when asked (a new handle unless set; see
    /// [`Archive::stop_handle`]).
    pub fn stop_handle(mut self, stop: StopHandle) -> Self {
        self.stop = stop;
        self
    }

    /// How messages name settings (the builder's methods unless set).
    pub fn names(mut self, names: Arc<dyn Names>) -> Self {
        self.names = names;
        self
    }

    fn name(&self, setting: Setting) -> String {
        self.names.name(setting)
    }

    fn wants_digests(&self) -> bool {
        self.digests || self.signing_key.is_some()
    }

    /// Takes the lock, checks the state against the request, creates the
    /// files and decides between starting and continuing. Nothing is
    /// fetched yet.
    pub async fn open(self) -> Result<Archive, Error> {
        if self.batch_interval.is_some()
            && !matches!(self.output, Output::Bucket { .. } | Output::Objects(_))
        {
            return Err(Error::refused(format!(
                "{bi} applies only to {follow} into a bucket, where it sets how often objects \
                 are stored; a file or a writer gets each poll's entries as they come: leave \
                 {bi} out",
                bi = self.name(Setting::BatchInterval),
                follow = self.name(Setting::Follow),
            )));
        }
        if self.wants_digests() && self.format.is_some_and(|f| !f.is_line_per_entry()) {
            return Err(Error::refused(format!(
                "{} (and {}) need a format where each line is one entry: leave {f} out, or give \
                 {f} jsonl or ocsf",
                self.name(Setting::Digests),
                self.name(Setting::SigningKey),
                f = self.name(Setting::Format),
            )));
        }
        // One writer per archive (see `lock`): taken before the journal is read.
        let lock = match self.local_journal() {
            Some((journal, archive)) => Some(LocalLock::acquire(&journal, &archive)?),
            None => None,
        };
        let stop = self.stop.clone();
        let (run, settings) = self.open_output().await?;
        let run = Box::pin(async move {
            let summary = run.await;
            drop(lock);
            summary
        });
        Ok(Archive {
            run,
            stop,
            settings,
        })
    }
}
