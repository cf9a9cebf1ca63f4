//! The one way in: [`Archive::builder`] → [`ArchiveBuilder::open`] →
//! [`Archive::run`].
//!
//! `open` is the only path that takes the archive's lock, checks its state
//! against the request (what the archive is against how it runs), creates
//! its files safely and decides between starting and continuing. Every
//! output (a file, a device, a writer, a bucket) goes through it.

use std::{
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use arize_audit_logs::{Client, ListAuditLogsParams, ResumePoint};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use futures::future::BoxFuture;

use crate::{
    bucket::{self, batch},
    check::GuardState,
    digest::{self, keys::SigningKey, write::FileDigests, ChainState},
    hooks::FileOut,
    journal::{self, Journal, KeySource, Plan, Target, Until, Written, JOURNAL_VERSION},
    lock::LocalLock,
    lookback::{Lookback, DEFAULT_LOOKBACK},
    names::{BuilderNames, Names, Setting},
    observer::Observer,
    output::OutputFile,
    parallel::{self, Window},
    pipeline::{Digests, Options, Pipeline, Store, Summary, Uploader},
    sink::{Batch, Durable, Sink},
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
    /// entries the server shows late ([`DEFAULT_LOOKBACK`] unless set).
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
    /// state before they are stored ([`batch::DEFAULT`] unless set).
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
        if self.batch_interval.is_some() && !matches!(self.output, Output::Bucket { .. }) {
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

    async fn open_output(mut self) -> Result<Opened, Error> {
        match std::mem::replace(&mut self.output, Output::Stdout) {
            Output::Bucket { url, endpoint } => self.to_bucket(url, endpoint).await,
            Output::Stdout => {
                let out = BufWriter::with_capacity(WRITE_BUFFER, io::stdout());
                self.to_writer(out, "stdout")
            }
            Output::Writer(writer) => {
                let out = BufWriter::with_capacity(WRITE_BUFFER, writer);
                self.to_writer(out, "the writer")
            }
            Output::File(path) => {
                self.output = Output::File(path.clone());
                if let Some(stream) = crate::device::open_if_stream(&path)? {
                    if self.resume_only && self.state.is_none() {
                        return Err(Error::refused(format!(
                            "nothing to resume: {} is a device or FIFO, which has no journal \
                             beside it; give {} to make an archive to it resumable",
                            path.display(),
                            self.name(Setting::State)
                        )));
                    }
                    let out = BufWriter::with_capacity(WRITE_BUFFER, stream);
                    return self.to_writer(out, "stdout");
                }
                let journal = self
                    .state
                    .clone()
                    .unwrap_or_else(|| journal::path_for(&path));
                if same_file(&journal, &path) {
                    return Err(Error::refused(format!(
                        "{} {} is the {} file itself: the state needs a file of its own (for \
                         example {})",
                        self.name(Setting::State),
                        journal.display(),
                        self.name(Setting::Output),
                        journal::path_for(&path).display()
                    )));
                }
                // With a state, the same request starts the archive or continues it.
                let continues = self.resume_only || (self.state.is_some() && journal.exists());
                if continues {
                    self.resume_file(path, journal)
                } else {
                    self.start_file(path, journal)
                }
            }
        }
    }

    /// The local journal an archive keeps, and the archive it belongs to
    /// (for messages): a file's journal, or the state.
    fn local_journal(&self) -> Option<(PathBuf, String)> {
        match (&self.output, &self.state) {
            (Output::Bucket { url, .. }, state) => state.clone().map(|s| (s, url.clone())),
            (Output::File(path), state) => Some((
                state.clone().unwrap_or_else(|| journal::path_for(path)),
                path.display().to_string(),
            )),
            (_, Some(state)) => Some((
                state.clone(),
                format!("stdout with the state {}", state.display()),
            )),
            (_, None) => None,
        }
    }

    fn options(&self, fresh: bool) -> Options {
        Options {
            stop: self.stop.clone(),
            checkpoint_every: self.checkpoint_every,
            fresh,
            observer: self.observer.clone(),
            batch_pages: self.batch_pages,
            digests: None,
            batch_interval: None,
        }
    }

    /// An archive to a writer (standard output, a device or FIFO): with a
    /// state, started or continued from it, and acknowledged (flushed, then
    /// the state saved) page by page.
    fn to_writer<W: Durable + Send + 'static>(
        mut self,
        out: W,
        name: &str,
    ) -> Result<Opened, Error> {
        if self.wants_digests() {
            return Err(Error::refused(format!(
                "{} (and {}) need a file or a bucket: {name} has no place for the digests",
                self.name(Setting::Digests),
                self.name(Setting::SigningKey),
            )));
        }
        let Some(state) = self.state.clone() else {
            let (client, target) = self.connect_new()?;
            let mut journal = self.new_journal(target)?;
            if let Some(point) = self.cursor.take() {
                journal.plan.resume = point;
            }
            let sink = Sink::create(out, journal.format);
            let settings = settings(&journal, false, None);
            let options = self.options(true);
            return Ok(run(
                Pipeline::new(
                    client,
                    journal,
                    sink,
                    Store::Stdout { state: None },
                    options,
                ),
                settings,
            ));
        };
        if self.format.is_some_and(|f| !f.is_line_per_entry()) {
            return Err(Error::refused(format!(
                "{} with {name} needs {f} jsonl or ocsf: after a restart the stream goes on \
                 line by line, which a CSV header or a JSON array cannot",
                self.name(Setting::State),
                f = self.name(Setting::Format)
            )));
        }
        let (client, journal, fresh) = self.state_journal(&state, name)?;
        let sink = Sink::resume(out, journal.format, &journal.written, true);
        let mut options = self.options(fresh);
        // Every page is acknowledged: what a restart writes again is one page at most.
        options.checkpoint_every = Duration::ZERO;
        let settings = settings(&journal, !fresh, Some(state_file(&state, false)));
        let store = Store::Stdout { state: Some(state) };
        Ok(run(
            Pipeline::new(client, journal, sink, store, options),
            settings,
        ))
    }

    /// The archive in `state`, to continue; else a new one, its state
    /// saved before the first request. `true` with a new one.
    fn state_journal(
        &mut self,
        state: &Path,
        output: &str,
    ) -> Result<(Client, Journal, bool), Error> {
        let (client, journal, fresh) = match journal::load(state)? {
            Some(mut journal) => {
                self.contradictions(&journal, state)?;
                self.retune(&mut journal, state);
                let client = self.connect_to(&mut journal)?;
                (client, journal, false)
            }
            None => {
                let (client, target) = self.connect_new()?;
                let journal = self.new_journal(target)?;
                journal::save(&journal, state)?;
                (client, journal, true)
            }
        };
        if !journal.format.is_line_per_entry() {
            return Err(Error::refused(format!(
                "{} is the state of a {} archive: a state with {output} continues an archive of \
                 one entry a line (jsonl or ocsf) only",
                state.display(),
                journal.format.name()
            )));
        }
        Ok((client, journal, fresh))
    }

    /// The client for a new archive.
    fn connect_new(&mut self) -> Result<(Client, Target), Error> {
        let connect = std::mem::replace(&mut self.connect, Box::new(|_| Err("connected".into())));
        connect(None).map_err(Error::connect)
    }

    /// The client for the host and key source `journal` pins; the workers
    /// as this run asks.
    fn connect_to(&mut self, journal: &mut Journal) -> Result<Client, Error> {
        let connect = std::mem::replace(&mut self.connect, Box::new(|_| Err("connected".into())));
        let (client, target) = connect(Some(&journal.target)).map_err(Error::connect)?;
        if journal.target.key == KeySource::Caller || target.key == KeySource::Caller {
            // A caller's client: the host is what the archive is.
            if journal.target.base_url != target.base_url {
                return Err(Error::refused(format!(
                    "the archive's state was made with {}, and this client goes to {}: an \
                     archive keeps its host",
                    journal.target.base_url, target.base_url
                )));
            }
        }
        journal.target = target;
        if let Some(workers) = self.parallel {
            journal.plan.workers = usize::from(workers);
        }
        Ok(client)
    }

    /// An archive into a bucket, started or continued from the state (a
    /// file, else the prefix's), uploaded in whole batches. The prefix is
    /// opened (credentials, bucket, lease, state) before any request to
    /// Arize, and its lease given back however the run ends.
    async fn to_bucket(self, url: String, endpoint: Option<String>) -> Result<Opened, Error> {
        if self.format.is_some_and(|f| !f.is_line_per_entry()) {
            return Err(Error::refused(format!(
                "a bucket holds gzip-compressed JSON Lines: leave {f} out, or give {f} jsonl or \
                 ocsf",
                f = self.name(Setting::Format)
            )));
        }
        if self.overwrite {
            return Err(Error::refused(format!(
                "{} does not apply to a bucket: objects are named after their content, and \
                 nothing already there is replaced by different content",
                self.name(Setting::Overwrite)
            )));
        }
        if let Some(state) = &self.state {
            if self.resume_only && !state.exists() {
                return Err(Error::refused(format!(
                    "nothing to resume: {} does not exist (the archive in {url} finished, or \
                     never started)",
                    state.display()
                )));
            }
        }
        if self.wants_digests() {
            // A key that cannot be used is refused before the store is asked.
            self.chain_key(None)?;
        }
        let (session, in_prefix, uploader) =
            bucket::Session::open(&url, endpoint.as_deref()).await?;
        let state = match self.state.clone() {
            Some(path) => State::Local {
                path,
                prefix_has_state: in_prefix.is_some(),
            },
            None => State::Prefix(in_prefix.map(Box::new)),
        };
        match self.upload(state, Some(&session), uploader).await {
            Ok((pipeline, settings)) => {
                let run = Box::pin(async move {
                    let ran = pipeline.await;
                    session.release().await;
                    ran
                });
                Ok((run, settings))
            }
            Err(e) => {
                session.release().await;
                Err(e)
            }
        }
    }

    /// Prepares the archive in `state` (or a new one) through `uploader`,
    /// into the prefix `session` holds (`None`: a store with no manifests to
    /// check a new range against).
    async fn upload(
        mut self,
        state: State,
        session: Option<&bucket::Session>,
        mut uploader: Box<dyn Uploader>,
    ) -> Result<Opened, Error> {
        let local = match &state {
            State::Local { path, .. } => Some(path.clone()),
            State::Prefix(_) => None,
        };
        let prefix_state = || session.map_or_else(String::new, bucket::Session::state_url);
        let state_name = local
            .as_ref()
            .map_or_else(prefix_state, |p| p.display().to_string());
        let starts = match &state {
            State::Local { path, .. } => !path.exists(),
            State::Prefix(found) => found.is_none(),
        };
        if let (
            State::Local {
                path,
                prefix_has_state: true,
            },
            true,
        ) = (&state, starts)
        {
            // The prefix's own state is an archive under way there.
            return Err(Error::refused(format!(
                "{} holds an unfinished archive whose state is kept in the prefix ({}): a \
                 prefix is one archive, so the state {} cannot start another there; continue \
                 that one by leaving {} out",
                uploader.location(),
                prefix_state(),
                path.display(),
                self.name(Setting::State)
            )));
        }
        let start_name = self.name(Setting::Start);
        let start_name = start_name.as_str();
        let overlap = |range: Window, format: Format| async move {
            match session {
                Some(session) => session.overlap(&range, format, start_name).await,
                None => Ok(()),
            }
        };
        if self.resume_only && starts {
            return Err(Error::refused(format!(
                "nothing to resume: {state_name} does not exist (the archive in {} finished, or \
                 never started)",
                uploader.location()
            )));
        }
        // A new archive's key is checked before its state is created.
        let new_key = if self.wants_digests() && starts {
            Some(self.chain_key(None)?)
        } else {
            None
        };
        let (client, mut journal, fresh) = match state {
            State::Local { path, .. } => {
                let (client, journal, fresh) = self.state_journal(&path, "a bucket")?;
                if fresh {
                    if let Err(failure) = overlap(journal.requested, journal.format).await {
                        let _ = journal::remove(&path);
                        return Err(failure);
                    }
                }
                (client, journal, fresh)
            }
            State::Prefix(Some(journal)) => {
                let mut journal = *journal;
                self.contradictions(&journal, Path::new(&state_name))?;
                let client = self.connect_to(&mut journal)?;
                (client, journal, false)
            }
            State::Prefix(None) => {
                let (client, target) = self.connect_new()?;
                let journal = self.new_journal(target)?;
                overlap(journal.requested, journal.format).await?;
                // Written ahead, as a state file is: before the first request.
                uploader.save_state(&journal).await?;
                (client, journal, true)
            }
        };
        uploader.lines_are(journal.format);
        let mut options = self.options(fresh);
        if matches!(journal.until, Until::Follow { .. }) {
            options.batch_interval = batch::Interval::new(
                self.batch_interval.unwrap_or(batch::DEFAULT),
                self.batch_pages,
            );
        }
        if let (true, Some(key)) = (fresh, new_key) {
            // The archive's chain goes on from its last digest, whichever run
            // wrote it. Until the state records the chain, a failure leaves no
            // state behind (it would continue without digests).
            let signing_key = self.signing_key.clone();
            let begun = async {
                let pair = signing_key.as_deref().zip(key.as_ref());
                let mut chain = ChainState::new(pair)?;
                if let Some(head) = uploader.digest_head().await? {
                    chain.archive = head.body.archive.clone();
                    chain.next = head.body.sequence + 1;
                    chain.previous = Some(head.sha256());
                }
                journal.digests = Some(chain);
                match &local {
                    Some(path) => journal::save(&journal, path),
                    None => uploader.save_state(&journal).await,
                }
            };
            if let Err(failure) = begun.await {
                let _ = match &local {
                    Some(path) => journal::remove(path),
                    None => uploader.remove_state().await,
                };
                return Err(failure);
            }
            options.digests = Some(Digests { key, file: None });
        } else if !fresh {
            options.digests = self.continued_digests(&journal, Path::new(&state_name), None)?;
        }
        let state_at = match &local {
            Some(path) => state_file(path, false),
            None => crate::StateLocation::Prefix(prefix_state()),
        };
        let settings = settings(&journal, !fresh, Some(state_at));
        let sink = Sink::resume(Batch::default(), journal.format, &journal.written, true);
        let store = Store::Bucket {
            state: local,
            uploader,
        };
        Ok(run(
            Pipeline::new(client, journal, sink, store, options),
            settings,
        ))
    }

    /// A new archive to a file: refuses to replace anything without
    /// [`overwrite`](Self::overwrite), and writes the journal before the
    /// first request.
    fn start_file(mut self, path: PathBuf, journal_path: PathBuf) -> Result<Opened, Error> {
        // Everything known client-side is checked before the file is touched.
        let (client, target) = self.connect_new()?;
        let mut journal = self.new_journal(target)?;
        // An output that exists is opened (and locked) now; a new one is
        // created only once the journal that claims it is saved, so a crash
        // between the two leaves a journal the same request takes over,
        // never an empty file that nothing claims.
        let output = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            _ => Some(OutputFile::open(&path, false)?),
        };
        let existing = journal::load(&journal_path)?;
        let length = output.as_ref().map_or(Ok(0), OutputFile::len)?;
        match &existing {
            Some(old) if !old.nothing_written() && !self.overwrite => {
                return Err(Error::refused(format!(
                    "{} holds an unfinished export ({} entries; its journal is {}): add {} to \
                     continue it, or {} to start over",
                    path.display(),
                    old.written.entries,
                    journal_path.display(),
                    self.name(Setting::Resume),
                    self.name(Setting::Overwrite),
                )));
            }
            _ if length > 0 && !self.overwrite => {
                return Err(Error::refused(format!(
                    "{} already exists ({length} bytes) and is left as it is: add {} to replace \
                     it, or choose another {}",
                    path.display(),
                    self.name(Setting::Overwrite),
                    self.name(Setting::Output),
                )));
            }
            // An empty file someone made (not one a start of ours claimed).
            _ if output.is_some()
                && !self.overwrite
                && !existing.as_ref().is_some_and(|old| old.created_file) =>
            {
                return Err(self.empty_exists(&path));
            }
            _ => {}
        }
        // A journal of a start that wrote nothing (a crash before the first
        // page) is taken over.
        journal.created_file =
            output.is_none() || existing.is_some_and(|old| old.created_file && length == 0);
        journal.replaces_existing = length > 0;
        let mut options = self.options(true);
        if self.wants_digests() {
            let key = self.chain_key(None)?;
            let pair = self.signing_key.as_deref().zip(key.as_ref());
            let chain = ChainState::new(pair)?;
            let file = FileDigests::open(&digest::path_for(&path), &chain, true)?;
            journal.digests = Some(chain);
            options.digests = Some(Digests {
                key,
                file: Some(file),
            });
        }
        let remove_digests = |options: &Options| {
            if let Some(Digests {
                file: Some(file), ..
            }) = &options.digests
            {
                file.remove_if_created();
            }
        };
        if let Err(failure) = journal::save(&journal, &journal_path) {
            remove_digests(&options);
            return Err(failure);
        }
        let output = match output {
            Some(output) => output,
            None => match OutputFile::open(&path, true) {
                Ok(output) if output.created => output,
                Ok(_) => {
                    // Made by someone else while this archive started.
                    let _ = journal::remove(&journal_path);
                    remove_digests(&options);
                    return Err(self.empty_exists(&path));
                }
                Err(failure) => {
                    if std::fs::symlink_metadata(&path).is_err() {
                        // Not created: the journal claims nothing. (A file
                        // there now is another archive's, which owns the
                        // journal.)
                        let _ = journal::remove(&journal_path);
                    }
                    remove_digests(&options);
                    return Err(failure);
                }
            },
        };
        let default = journal_path == journal::path_for(&path);
        let settings = settings(&journal, false, Some(state_file(&journal_path, default)));
        Ok(to_file(
            path,
            journal_path,
            output,
            client,
            journal,
            options,
            settings,
        ))
    }

    /// An existing empty output is someone's file too.
    fn empty_exists(&self, path: &Path) -> Error {
        Error::refused(format!(
            "{} already exists (empty) and is left as it is: add {} to write the archive into \
             it, or choose another {}",
            path.display(),
            self.name(Setting::Overwrite),
            self.name(Setting::Output),
        ))
    }

    /// Continues the archive of `path` from its journal, after checking that
    /// the file is what the journal describes and that nothing in the
    /// request contradicts it.
    fn resume_file(mut self, path: PathBuf, journal_path: PathBuf) -> Result<Opened, Error> {
        let nothing_to_resume = || {
            Error::refused(format!(
                "nothing to resume: {} does not exist (the export of {} finished, or never \
                 started)",
                journal_path.display(),
                path.display()
            ))
        };
        let peek = journal::load(&journal_path)?.ok_or_else(nothing_to_resume)?;
        // Before the output is opened: another archive is refused as such.
        self.contradictions(&peek, &journal_path)?;
        let mut output = OutputFile::open(&path, peek.nothing_written())?;
        // Read again under the lock: another run may have changed it meanwhile.
        let checked = journal::load(&journal_path).and_then(|j| {
            let mut journal = j.ok_or_else(nothing_to_resume)?;
            self.contradictions(&journal, &journal_path)?;
            self.retune(&mut journal, &journal_path);
            output.verify(&journal)?;
            Ok(journal)
        });
        let mut journal = match checked {
            Ok(journal) => journal,
            Err(failure) => {
                output.remove_if_created();
                return Err(failure);
            }
        };
        let client = self.connect_to(&mut journal)?;
        let mut options = self.options(false);
        options.digests = self.continued_digests(&journal, &journal_path, Some(&path))?;
        let dropped = output.cut_to(journal.written.bytes)?;
        if dropped > 0 {
            tracing::info!(
                bytes = dropped,
                "dropped what was written after the journal's last save; those entries are \
                 fetched again"
            );
        }
        let default = journal_path == journal::path_for(&path);
        let settings = settings(&journal, true, Some(state_file(&journal_path, default)));
        Ok(to_file(
            path,
            journal_path,
            output,
            client,
            journal,
            options,
            settings,
        ))
    }

    /// The journal of a new archive: the window pinned so that every page,
    /// and a resumed run, asks for the same range.
    fn new_journal(&self, target: Target) -> Result<Journal, Error> {
        let now = Utc::now().trunc_subsecs(3);
        let end = self.end.unwrap_or(now);
        let start = match (self.start, self.last) {
            (Some(start), _) => start,
            (None, Some(span)) => {
                let span = TimeDelta::from_std(span)
                    .ok()
                    .and_then(|span| end.checked_sub_signed(span))
                    .ok_or_else(|| {
                        Error::refused(format!(
                            "{} reaches before the earliest representable time",
                            self.name(Setting::Last)
                        ))
                    })?;
                span
            }
            (None, None) => end.checked_sub_signed(DEFAULT_SPAN).ok_or_else(|| {
                Error::refused(format!(
                    "{} is too early to have 30 days before it",
                    self.name(Setting::End)
                ))
            })?,
        };
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        let mut params = self.filters.clone();
        params.start_time = Some(start);
        params.end_time = Some(end);
        params.limit = Some(page_size);
        params.validate().map_err(arize_audit_logs::Error::from)?;
        let filters = params.filters();
        let range = Window::new(start, end);
        let workers = usize::from(self.parallel.unwrap_or(1));
        let windows = if workers > 1 {
            parallel::plan(start, end, workers * parallel::WINDOWS_PER_WORKER)
        } else {
            vec![range]
        };
        let until = match (&self.follow, self.max_entries) {
            (Some(interval), _) => Until::Follow {
                interval_ms: millis(interval.unwrap_or(DEFAULT_INTERVAL)),
                at_end: Vec::new(),
                lookback: Lookback::new(self.lookback.unwrap_or(DEFAULT_LOOKBACK)),
            },
            (None, Some(max)) => Until::Entries { max },
            (None, None) => Until::RangeEnd,
        };
        Ok(Journal {
            version: JOURNAL_VERSION,
            target,
            filters,
            format: self.format.unwrap_or_default(),
            order: self.order.unwrap_or_default(),
            page_size,
            requested: range,
            range,
            until,
            plan: Plan {
                windows,
                resume: ResumePoint::default(),
                workers,
            },
            written: Written::default(),
            guard: GuardState::default(),
            replaces_existing: false,
            created_file: false,
            pending_pages: None,
            held: None,
            digests: None,
            output: Some(self.output_name()),
        })
    }

    /// Where the archive writes, as its journal records it: `stdout`, the
    /// file (in its directory with links resolved), or the bucket's URL.
    fn output_name(&self) -> String {
        match &self.output {
            Output::Stdout | Output::Writer(_) => "stdout".into(),
            Output::Bucket { url, .. } => url.trim_end_matches('/').to_owned(),
            Output::File(path) => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let resolved = match (std::fs::canonicalize(dir), path.file_name()) {
                    (Ok(dir), Some(name)) => dir.join(name),
                    _ => std::path::absolute(path).unwrap_or_else(|_| path.clone()),
                };
                resolved.display().to_string()
            }
        }
    }

    /// The signing key given, else the one `chain` was started with; it must
    /// be the one `chain` is signed with.
    fn chain_key(&self, chain: Option<&ChainState>) -> Result<Option<SigningKey>, Error> {
        let path = self
            .signing_key
            .clone()
            .or_else(|| chain.and_then(|c| c.signing_key.clone()));
        let key = path.as_deref().map(SigningKey::load).transpose()?;
        if let Some(chain) = chain {
            let id = key.as_ref().map(SigningKey::id);
            if id != chain.key_id {
                return Err(Error::refused(format!(
                    "the archive's digests are signed by {}, and this run's {} is {}: a chain \
                     keeps its key",
                    chain
                        .key_id
                        .as_deref()
                        .map_or("no key".into(), |k| format!("key {k}")),
                    self.name(Setting::SigningKey),
                    id.map_or("not given".into(), |k| format!("key {k}"))
                )));
            }
        }
        Ok(key)
    }

    /// The digests of a continued archive, as its journal started them;
    /// `output` is the file of a file archive.
    fn continued_digests(
        &self,
        journal: &Journal,
        journal_path: &Path,
        output: Option<&Path>,
    ) -> Result<Option<Digests>, Error> {
        let Some(chain) = &journal.digests else {
            if self.wants_digests() {
                return Err(Error::refused(format!(
                    "the archive in {} was started without digests, and a chain cannot begin \
                     in the middle of an archive: leave {} and {} out, or start a new archive",
                    journal_path.display(),
                    self.name(Setting::Digests),
                    self.name(Setting::SigningKey),
                )));
            }
            return Ok(None);
        };
        let key = self.chain_key(Some(chain))?;
        let file = output
            .map(|output| FileDigests::open(&digest::path_for(output), chain, false))
            .transpose()?;
        Ok(Some(Digests { key, file }))
    }

    /// Whether the archive's state is one a service continues, the range it
    /// is given setting where the first run began: a state file, or a
    /// bucket's prefix, which keeps the state without one.
    fn state_pins_range(&self) -> bool {
        self.state.is_some() || matches!(self.output, Output::Bucket { .. })
    }

    /// Refuses a setting that contradicts the journal at `journal_path`,
    /// naming the setting and both values: what the archive is (host,
    /// filters, format, order, output, range) is pinned; how it runs may
    /// change (see [`Self::retune`]). With a state the range is not
    /// compared: it set where the run that created the state began.
    fn contradictions(&self, journal: &Journal, journal_path: &Path) -> Result<(), Error> {
        let ts = crate::timestamp;
        let mut found: Vec<(String, String, String)> = Vec::new();
        let differs = |found: &mut Vec<(String, String, String)>,
                       setting: String,
                       given: String,
                       recorded: String| {
            if given != recorded {
                found.push((setting, given, recorded));
            }
        };
        let pinned = self.state_pins_range();
        if let (Some(start), false) = (&self.start, pinned) {
            differs(
                &mut found,
                self.name(Setting::Start),
                ts(start),
                ts(&journal.requested.start),
            );
        }
        if let (Some(end), false) = (&self.end, pinned) {
            differs(
                &mut found,
                self.name(Setting::End),
                ts(end),
                ts(&journal.requested.end),
            );
        }
        if let (Some(since), false) = (self.last, pinned) {
            found.push((
                self.name(Setting::Last),
                format_duration(since),
                format!(
                    "the window {} to {} ({} is relative to now, so it cannot name it again)",
                    ts(&journal.requested.start),
                    ts(&journal.requested.end),
                    self.name(Setting::Last)
                ),
            ));
        }
        let given_filters = self.filters.to_query();
        let mut names: Vec<&'static str> = given_filters.iter().map(|(n, _)| *n).collect();
        names.dedup();
        for name in names {
            differs(
                &mut found,
                self.name(Setting::Filter(name)),
                values_of(&self.filters, name),
                values_of(&journal.filters, name),
            );
        }
        if let Some(format) = self.format {
            differs(
                &mut found,
                self.name(Setting::Format),
                format.name().into(),
                journal.format.name().into(),
            );
        }
        if let Some(order) = self.order {
            differs(
                &mut found,
                self.name(Setting::Order),
                order.name().into(),
                journal.order.name().into(),
            );
        }
        // Without a state file the journal is found by the output's name.
        if let (Some(recorded), Some(_)) = (&journal.output, &self.state) {
            differs(
                &mut found,
                self.name(Setting::Output),
                self.output_name(),
                recorded.clone(),
            );
        }
        if let Some(max) = self.max_entries {
            let recorded = match journal.until {
                Until::Entries { max } => max.to_string(),
                _ => "(none)".into(),
            };
            differs(
                &mut found,
                self.name(Setting::MaxEntries),
                max.to_string(),
                recorded,
            );
        }
        if self.follow.is_some() && !matches!(journal.until, Until::Follow { .. }) {
            found.push((
                self.name(Setting::Follow),
                "given".into(),
                "not following".into(),
            ));
        }
        match found.first() {
            None => Ok(()),
            Some((setting, given, recorded)) => Err(Error::refused(format!(
                "{setting} {given} contradicts the journal {}, which continues an export with \
                 {recorded}: a continued export keeps what it archives (host, filters, format, \
                 order, output, range) from its journal, so leave {setting} out (or start \
                 another export){}",
                journal_path.display(),
                if found.len() > 1 {
                    format!(
                        "; also {}",
                        found[1..]
                            .iter()
                            .map(|(f, g, r)| format!("{f} {g} (journal: {r})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                }
            ))),
        }
    }

    /// Applies how this run asks to run to a continued `journal`: page size,
    /// poll interval and look-back replace what the state recorded (a batch
    /// written ahead keeps its page size until it is stored).
    fn retune(&self, journal: &mut Journal, path: &Path) {
        match self.page_size {
            Some(size) if size != journal.page_size && journal.pending_pages.is_some() => {
                self.observer.warning(&format!(
                    "continuing with page size {} from the state {} until the batch it wrote \
                     ahead is stored (the batch is fetched in the same pages again); page size \
                     {size} applies from the next run",
                    journal.page_size,
                    path.display()
                ));
            }
            Some(size) => journal.page_size = size,
            None => {}
        }
        if let Until::Follow {
            interval_ms,
            lookback,
            ..
        } = &mut journal.until
        {
            if let Some(Some(interval)) = self.follow {
                *interval_ms = millis(interval);
            }
            if let Some(back) = self.lookback {
                lookback.ms = millis(back);
            }
        }
    }
}

/// An opened run and what the archive is.
type Opened = (BoxFuture<'static, Result<Summary, Error>>, Settings);

fn run<W: Durable + Send + 'static>(pipeline: Pipeline<W>, settings: Settings) -> Opened {
    (Box::pin(pipeline.run()), settings)
}

/// Runs the pipeline into `output`, which holds what the journal records.
fn to_file(
    path: PathBuf,
    journal_path: PathBuf,
    output: OutputFile,
    client: Client,
    journal: Journal,
    options: Options,
    settings: Settings,
) -> Opened {
    let out = BufWriter::with_capacity(WRITE_BUFFER, FileOut::new(output.file));
    let sink = Sink::resume(
        out,
        journal.format,
        &journal.written,
        journal.written.bytes > 0,
    );
    let store = Store::File {
        output: path,
        journal: journal_path,
    };
    run(
        Pipeline::new(client, journal, sink, store, options),
        settings,
    )
}

/// What the archive is, from its journal.
fn settings(journal: &Journal, continued: bool, state: Option<crate::StateLocation>) -> Settings {
    Settings {
        continued,
        format: journal.format,
        order: journal.order,
        filters: journal.filters.clone(),
        page_size: journal.page_size,
        requested: journal.requested,
        follow: match &journal.until {
            Until::Follow {
                interval_ms,
                lookback,
                ..
            } => Some((Duration::from_millis(*interval_ms), lookback.duration())),
            _ => None,
        },
        state,
    }
}

fn state_file(path: &Path, default: bool) -> crate::StateLocation {
    crate::StateLocation::File {
        path: path.to_owned(),
        default,
    }
}

/// Where a bucket archive keeps its state.
enum State {
    /// A state file; whether the prefix holds a state of its own too.
    Local {
        path: PathBuf,
        prefix_has_state: bool,
    },
    /// In the prefix: the journal found there, if any.
    Prefix(Option<Box<Journal>>),
}

/// Whether two paths name the same file (as written, made absolute).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A parameter's values as the journal would print them; `(none)` when unset.
fn values_of(params: &ListAuditLogsParams, name: &str) -> String {
    let values: Vec<String> = params
        .to_query()
        .into_iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .collect();
    if values.is_empty() {
        "(none)".into()
    } else {
        values.join(", ")
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A duration as people write it: `1h 30m`, `90s`.
fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use arize_audit_logs::mock::{MockConfig, MockServer};
    use chrono::{DateTime, Utc};
    use futures::future::BoxFuture;

    use super::*;
    use crate::{
        digest::{Content, Sealed, Unit},
        StopReason,
    };

    /// Keeps what it is given; fails while `failing` is set.
    #[derive(Clone, Default)]
    struct Recorder {
        uploads: Arc<Mutex<Vec<Vec<u8>>>>,
        attempts: Arc<Mutex<Vec<Vec<u8>>>>,
        failing: bool,
    }

    impl Uploader for Recorder {
        fn upload<'a>(
            &'a mut self,
            lines: &'a [u8],
        ) -> BoxFuture<'a, Result<Vec<(Unit, Content)>, Error>> {
            self.attempts.lock().expect("lock").push(lines.to_vec());
            if self.failing {
                return Box::pin(async { Err(Error::storage("the store is down")) });
            }
            self.uploads.lock().expect("lock").push(lines.to_vec());
            Box::pin(async { Ok(Vec::new()) })
        }

        fn store_digest<'a>(&'a mut self, _: &'a Sealed) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async { Ok(()) })
        }

        fn digest_head(&mut self) -> BoxFuture<'_, Result<Option<Sealed>, Error>> {
            Box::pin(async { Ok(None) })
        }

        fn location(&self) -> String {
            "test://".into()
        }
    }

    /// Stops the run as a service manager would once `after` pages were
    /// written.
    struct StopAfter {
        after: u64,
        pages: Mutex<u64>,
        stop: StopHandle,
    }

    impl Observer for StopAfter {
        fn page(&self, _: u64, _: Option<DateTime<Utc>>) {
            let mut pages = self.pages.lock().expect("lock");
            *pages += 1;
            if *pages == self.after {
                self.stop.stop(StopReason::Terminate);
            }
        }
    }

    async fn run_once(
        server: &MockServer,
        state: &Path,
        recorder: Recorder,
        stop_after: Option<u64>,
    ) -> Result<Summary, Error> {
        let stop = StopHandle::new();
        let mut builder = Archive::builder(server.client().expect("client"))
            .start("2026-01-01T00:00:00Z".parse().expect("t"))
            .end("2026-05-18T00:00:00Z".parse().expect("t"))
            .page_size(10)
            .batch_pages(5)
            .output(Output::Bucket {
                url: "s3://bucket/prefix/".into(),
                endpoint: None,
            })
            .state(state)
            .stop_handle(stop.clone());
        if let Some(after) = stop_after {
            builder = builder.observer(Arc::new(StopAfter {
                after,
                pages: Mutex::new(0),
                stop,
            }));
        }
        let state = State::Local {
            path: state.to_owned(),
            prefix_has_state: false,
        };
        let (run, _) = builder.upload(state, None, Box::new(recorder)).await?;
        run.await
    }

    #[tokio::test]
    async fn a_batch_cut_short_by_a_stop_is_cut_the_same_again_after_its_upload_failed() {
        let server = MockServer::start(
            MockConfig::default()
                .entries(120)
                .seed(3)
                .end("2026-05-18T00:00:00Z".parse().expect("t")),
        )
        .await
        .expect("fake server");
        let dir = tempfile::tempdir().expect("dir");
        let state = dir.path().join("state.json");

        // A stop after 3 pages of a 5-page batch: the short batch is
        // uploaded on the way out, and that upload fails.
        let broken = Recorder {
            failing: true,
            ..Recorder::default()
        };
        let failed = run_once(&server, &state, broken.clone(), Some(3)).await;
        assert!(failed.is_err());
        let attempted = broken.attempts.lock().expect("lock").clone();
        assert_eq!(attempted.len(), 1, "once, on the way out");
        assert_eq!(attempted[0].iter().filter(|b| **b == b'\n').count(), 30);
        let saved = journal::load(&state).expect("loads").expect("kept");
        assert_eq!(
            saved.pending_pages,
            Some(3),
            "the short batch is written ahead"
        );
        assert_eq!(
            saved.written.entries, 0,
            "nothing counted that is not stored"
        );

        // The same request again: its first batch is those 3 pages again,
        // so the same objects replace what the failed upload may have left.
        let working = Recorder::default();
        run_once(&server, &state, working.clone(), None)
            .await
            .expect("finishes");
        let uploads = working.uploads.lock().expect("lock").clone();
        assert_eq!(uploads[0], attempted[0]);
        assert_eq!(
            uploads
                .iter()
                .map(|u| u.iter().filter(|b| **b == b'\n').count())
                .collect::<Vec<_>>(),
            vec![30, 50, 40],
            "then whole batches of 5 pages"
        );
        assert!(!state.exists());
    }
}
