//! The paths `open` takes: to a writer, a bucket or objects, a new file or
//! a continued one. Each takes what the request and the state say, and
//! hands the pipeline one store.

use std::{
    io::{self, BufWriter},
    path::{Path, PathBuf},
    time::Duration,
};

use arize_audit_logs::Client;
use futures::future::BoxFuture;

use super::{ArchiveBuilder, Output, Settings, WRITE_BUFFER};
use crate::{
    bucket::{self, batch},
    digest::{self, keys::SigningKey, write::FileDigests, ChainState},
    hooks::FileOut,
    journal::{self, Journal, KeySource, Target, Until},
    names::Setting,
    output::OutputFile,
    parallel::Window,
    pipeline::{Options, Pipeline, Summary},
    sink::{Batch, Durable, Sink},
    store::{BucketStore, FileStore, Store, Uploader, WriterStore},
    Error, Format,
};

impl ArchiveBuilder {
    pub(super) async fn open_output(mut self) -> Result<Opened, Error> {
        match std::mem::replace(&mut self.output, Output::Stdout) {
            Output::Bucket { url, endpoint } => self.open_bucket(url, endpoint).await,
            Output::Objects(uploader) => {
                let Some(path) = self.state.clone() else {
                    return Err(Error::refused(format!(
                        "an object store of your own keeps its state in a file: give {}",
                        self.name(Setting::State)
                    )));
                };
                self.check_bucket_request(&uploader.location())?;
                let state = State::Local {
                    path,
                    prefix_has_state: false,
                };
                self.upload(state, None, uploader).await
            }
            Output::Stdout => {
                let out = BufWriter::with_capacity(WRITE_BUFFER, io::stdout());
                self.open_writer(out, "stdout")
            }
            Output::Writer(writer) => {
                let out = BufWriter::with_capacity(WRITE_BUFFER, writer);
                self.open_writer(out, "the writer")
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
                    return self.open_writer(out, "stdout");
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
                let continues = self.resume_only
                    || ((self.state.is_some() || self.continue_unfinished) && journal.exists());
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
    pub(super) fn local_journal(&self) -> Option<(PathBuf, String)> {
        match (&self.output, &self.state) {
            (Output::Bucket { url, .. }, state) => state.clone().map(|s| (s, url.clone())),
            (Output::Objects(uploader), state) => state.clone().map(|s| (s, uploader.location())),
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
            fresh,
            observer: self.observer.clone(),
        }
    }

    /// An archive to a writer (standard output, a device or FIFO): with a
    /// state, started or continued from it, and acknowledged (flushed, then
    /// the state saved) page by page.
    fn open_writer<W: Durable + Send + 'static>(
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
                    Box::new(WriterStore::new(None, self.checkpoint_every)),
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
        // With a state every page is acknowledged (see `WriterStore`).
        let options = self.options(fresh);
        let settings = settings(&journal, !fresh, Some(state_file(&state, false)));
        let store = Box::new(WriterStore::new(Some(state), self.checkpoint_every));
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
    async fn open_bucket(self, url: String, endpoint: Option<String>) -> Result<Opened, Error> {
        self.check_bucket_request(&url)?;
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

    /// What a request into objects must be, checked before the store is
    /// asked anything.
    fn check_bucket_request(&self, url: &str) -> Result<(), Error> {
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
        Ok(())
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
        let options = self.options(fresh);
        let interval = match journal.until {
            Until::Follow { .. } => batch::Interval::new(
                self.batch_interval.unwrap_or(batch::DEFAULT),
                self.batch_pages,
            ),
            _ => None,
        };
        let mut digests = None;
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
            digests = Some(Digests { key, file: None });
        } else if !fresh {
            digests = self.continued_digests(&journal, Path::new(&state_name), None)?;
        }
        let state_at = match &local {
            Some(path) => state_file(path, false),
            None => crate::StateLocation::Prefix(prefix_state()),
        };
        let settings = settings(&journal, !fresh, Some(state_at));
        let sink = Sink::resume(Batch::default(), journal.format, &journal.written, true);
        let store = Box::new(BucketStore::new(
            local,
            uploader,
            digests.map(|d| d.key),
            self.batch_pages,
            interval,
        ));
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
        let options = self.options(true);
        let mut digests = None;
        if self.wants_digests() {
            let key = self.chain_key(None)?;
            let pair = self.signing_key.as_deref().zip(key.as_ref());
            let chain = ChainState::new(pair)?;
            let file = FileDigests::open(&digest::path_for(&path), &chain, true)?;
            journal.digests = Some(chain);
            digests = Some(Digests {
                key,
                file: Some(file),
            });
        }
        let remove_digests = |digests: &Option<Digests>| {
            if let Some(Digests {
                file: Some(file), ..
            }) = digests
            {
                file.remove_if_created();
            }
        };
        if let Err(failure) = journal::save(&journal, &journal_path) {
            remove_digests(&digests);
            return Err(failure);
        }
        let output = match output {
            Some(output) => output,
            None => match OutputFile::open(&path, true) {
                Ok(output) if output.created => output,
                Ok(_) => {
                    // Made by someone else while this archive started.
                    let _ = journal::remove(&journal_path);
                    remove_digests(&digests);
                    return Err(self.empty_exists(&path));
                }
                Err(failure) => {
                    if std::fs::symlink_metadata(&path).is_err() {
                        // Not created: the journal claims nothing. (A file
                        // there now is another archive's, which owns the
                        // journal.)
                        let _ = journal::remove(&journal_path);
                    }
                    remove_digests(&digests);
                    return Err(failure);
                }
            },
        };
        let default = journal_path == journal::path_for(&path);
        let settings = settings(&journal, false, Some(state_file(&journal_path, default)));
        let store = self.file_store(path, journal_path, digests);
        Ok(to_file(output, client, journal, store, options, settings))
    }

    /// A file's store, with its digests when the archive writes them.
    fn file_store(
        &self,
        path: PathBuf,
        journal_path: PathBuf,
        digests: Option<Digests>,
    ) -> Box<dyn Store> {
        let digests = digests.and_then(|Digests { key, file }| file.map(|file| (file, key)));
        Box::new(FileStore::new(
            path,
            journal_path,
            self.checkpoint_every,
            digests,
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
        let options = self.options(false);
        let digests = self.continued_digests(&journal, &journal_path, Some(&path))?;
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
        let store = self.file_store(path, journal_path, digests);
        Ok(to_file(output, client, journal, store, options, settings))
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
}

/// An opened run and what the archive is.
type Opened = (BoxFuture<'static, Result<Summary, Error>>, Settings);

fn run<W: Durable + Send + 'static>(pipeline: Pipeline<W>, settings: Settings) -> Opened {
    (Box::pin(pipeline.run()), settings)
}

/// Runs the pipeline into `output`, which holds what the journal records.
fn to_file(
    output: OutputFile,
    client: Client,
    journal: Journal,
    store: Box<dyn Store>,
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

/// How digests are written: signed with `key`, and for a file archive into
/// `file`.
struct Digests {
    key: Option<SigningKey>,
    file: Option<FileDigests>,
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
