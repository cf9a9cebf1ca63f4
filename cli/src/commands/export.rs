//! `export`: sets up a new export, a resumed one, or one to stdout, hands it
//! to the pipeline, and reports.

use std::{
    io,
    io::BufWriter,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use arize_audit_logs::{Client, ListAuditLogsParams, ResumePoint};
use arize_audit_logs_archive::{Format, Observer, StopHandle};
use chrono::{SubsecRound, Utc};

use crate::{
    check::GuardState,
    cli::{ExportArgs, DEFAULT_INTERVAL, DEFAULT_PAGE_SIZE},
    digest::{self, keys::SigningKey, write::FileDigests, ChainState},
    failure::Failure,
    filters::{self, OpenRange},
    hooks::FileOut,
    journal::{self, Journal, Plan, Target, Until, Written, JOURNAL_VERSION},
    lock::LocalLock,
    metrics::Metrics,
    observer::Terminal,
    output::OutputFile,
    parallel::{self, Window},
    pipeline::{Digests, Options, Pipeline, Store, Summary, Uploader},
    sink::{Batch, Durable, Sink},
};

/// Builds the client: as the command line says (`None`), or for the host and
/// key source a journal pins. Returns the target it resolved.
pub type Connect<'a> = dyn FnOnce(Option<&Target>) -> Result<(Client, Target), Failure> + 'a;

const WRITE_BUFFER: usize = 256 * 1024;

/// Runs `export` as the arguments say.
pub async fn run(
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    stop: StopHandle,
    observer: Arc<dyn Observer>,
) -> Result<Summary, Failure> {
    let options = Options {
        stop,
        checkpoint_every: args.checkpoint_every,
        fresh: true,
        observer,
        batch_pages: args.batch_pages,
        digests: None,
        batch_interval: None,
    };
    crate::bucket::batch::refuse_unless_bucket(args.batch_interval, args.output.as_deref())?;
    if wants_digests(args) && args.format.is_some_and(|f| !f.is_line_per_entry()) {
        return Err(Failure::Usage(
            "--digests (and --signing-key) need a format where each line is one entry: \
             leave --format out, or give --format jsonl or ocsf"
                .into(),
        ));
    }
    // One writer per archive (see `lock`): taken before the journal is read.
    let _lock = match local_journal(args) {
        Some((journal, archive)) => Some(LocalLock::acquire(&journal, &archive)?),
        None => None,
    };
    match &args.output {
        Some(url) if crate::bucket::is_bucket(url) => to_bucket(url, args, connect, options).await,
        Some(path) => {
            if let Some(stream) = crate::device::open_if_stream(path)? {
                if args.resume && args.state.is_none() {
                    return Err(Failure::Usage(format!(
                        "nothing to resume: {} is a device or FIFO, which has no journal beside \
                         it; give --state FILE to make an export to it resumable",
                        path.display()
                    )));
                }
                let out = BufWriter::with_capacity(WRITE_BUFFER, stream);
                return to_stdout(args, connect, options, out).await;
            }
            let journal = args
                .state
                .clone()
                .unwrap_or_else(|| journal::path_for(path));
            if same_file(&journal, path) {
                return Err(Failure::Usage(format!(
                    "--state {} is the --output file itself: the state needs a file of its own \
                     (for example {})",
                    journal.display(),
                    journal::path_for(path).display()
                )));
            }
            let files = Files {
                output: path,
                journal,
            };
            // With --state, the same command starts the export or continues it.
            let continues = args.resume || (args.state.is_some() && files.journal.exists());
            if continues {
                resume(files, args, connect, options).await
            } else {
                start(files, args, connect, options).await
            }
        }
        None => {
            let stdout = BufWriter::with_capacity(WRITE_BUFFER, io::stdout().lock());
            to_stdout(args, connect, options, stdout).await
        }
    }
}

/// The local journal an export keeps, and the archive it belongs to (for
/// messages): a file's journal, or `--state`.
fn local_journal(args: &ExportArgs) -> Option<(PathBuf, String)> {
    match (&args.output, &args.state) {
        (Some(url), state) if crate::bucket::is_bucket(url) => {
            state.clone().map(|s| (s, url.display().to_string()))
        }
        (Some(path), state) => Some((
            state.clone().unwrap_or_else(|| journal::path_for(path)),
            path.display().to_string(),
        )),
        (None, Some(state)) => Some((
            state.clone(),
            format!("stdout with --state {}", state.display()),
        )),
        (None, None) => None,
    }
}

/// Whether two paths name the same file (as written, made absolute).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The output file and where its journal is kept.
struct Files<'a> {
    output: &'a Path,
    journal: PathBuf,
}

/// An export to standard output (or a device or FIFO, written the same
/// way): with `--state`, started or continued from that state, and
/// acknowledged (flushed, then the state saved) page by page.
async fn to_stdout<W: Durable>(
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    mut options: Options,
    stdout: W,
) -> Result<Summary, Failure> {
    if wants_digests(args) {
        return Err(Failure::Usage(
            "--digests (and --signing-key) need --output FILE or s3://…: stdout has no place \
             for the digests"
                .into(),
        ));
    }
    let Some(state) = &args.state else {
        let (client, target) = connect(None)?;
        let mut journal = new_journal(args, target)?;
        if let Some(cursor) = &args.cursor {
            journal.plan.resume = ResumePoint::new(Some(cursor.clone()), args.skip);
        }
        let sink = Sink::create(stdout, journal.format);
        return Pipeline::new(
            client,
            journal,
            sink,
            Store::Stdout { state: None },
            options,
        )
        .run()
        .await
        .map_err(Failure::from);
    };
    if args.format.is_some_and(|f| !f.is_line_per_entry()) {
        return Err(Failure::Usage(
            "--state with stdout needs --format jsonl or ocsf: after a restart the stream goes \
             on line by line, which a CSV header or a JSON array cannot"
                .into(),
        ));
    }
    let (client, journal, fresh) = state_journal(args, state, connect, "stdout")?;
    let sink = Sink::resume(stdout, journal.format, &journal.written, true);
    options.fresh = fresh;
    // Every page is acknowledged: what a restart writes again is one page at most.
    options.checkpoint_every = Duration::ZERO;
    let store = Store::Stdout {
        state: Some(state.clone()),
    };
    Pipeline::new(client, journal, sink, store, options)
        .run()
        .await
        .map_err(Failure::from)
}

/// The export in `state`, to continue; else a new one, its state saved
/// before the first request. `true` with a new one.
fn state_journal(
    args: &ExportArgs,
    state: &Path,
    connect: Box<Connect<'_>>,
    output: &str,
) -> Result<(Client, Journal, bool), Failure> {
    let (client, journal, fresh) = match journal::load(state)? {
        Some(mut journal) => {
            contradictions(args, &journal, state)?;
            crate::retune::apply(args, &mut journal, state);
            if let Some(workers) = args.parallel {
                journal.plan.workers = usize::from(workers);
            }
            let (client, target) = connect(Some(&journal.target))?;
            journal.target = target;
            (client, journal, false)
        }
        None => {
            let (client, target) = connect(None)?;
            let journal = new_journal(args, target)?;
            journal::save(&journal, state)?;
            (client, journal, true)
        }
    };
    if !journal.format.is_line_per_entry() {
        return Err(Failure::Usage(format!(
            "{} is the state of a {} export: --state with {output} continues an export of one \
             entry a line (jsonl or ocsf) only",
            state.display(),
            journal.format.name()
        )));
    }
    Ok((client, journal, fresh))
}

/// An export into object storage (`--output s3://…`), started or continued
/// from `--state`, else from the state kept in the prefix, uploaded in whole
/// batches. The prefix is opened (credentials, bucket, lease, state) before
/// any request to Arize, and its lease given back however the export ends.
async fn to_bucket(
    url: &Path,
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    options: Options,
) -> Result<Summary, Failure> {
    let url = url.display().to_string();
    if args.format.is_some_and(|f| !f.is_line_per_entry()) {
        return Err(Failure::Usage(
            "--output s3://… writes gzip-compressed JSON Lines: leave --format out, or give \
             --format jsonl or ocsf"
                .into(),
        ));
    }
    if args.overwrite {
        return Err(Failure::Usage(
            "--overwrite does not apply to a bucket: objects are named after their content, \
             and nothing already there is replaced by different content"
                .into(),
        ));
    }
    if let Some(state) = &args.state {
        if args.resume && !state.exists() {
            return Err(Failure::Usage(format!(
                "nothing to resume: {} does not exist (the export to {url} finished, or never \
                 started)",
                state.display()
            )));
        }
    }
    if wants_digests(args) {
        // A key that cannot be used is refused before the store is asked.
        chain_key(args, None)?;
    }
    let (session, in_prefix, uploader) =
        crate::bucket::Session::open(&url, args.endpoint_url.as_deref()).await?;
    let state = match &args.state {
        Some(path) => State::Local {
            path,
            prefix_has_state: in_prefix.is_some(),
        },
        None => State::Prefix(in_prefix.map(Box::new)),
    };
    let ran = upload(args, state, Some(&session), uploader, connect, options).await;
    session.release().await;
    ran
}

/// Where a bucket export keeps its state.
enum State<'a> {
    /// `--state FILE`; whether the prefix holds a state of its own too.
    Local {
        path: &'a Path,
        prefix_has_state: bool,
    },
    /// In the prefix: the journal found there, if any.
    Prefix(Option<Box<Journal>>),
}

/// Runs the export in `state` (or a new one) through `uploader`, into the
/// prefix `session` holds (`None`: a store of the tests, with no manifests
/// to check a new range against).
async fn upload(
    args: &ExportArgs,
    state: State<'_>,
    session: Option<&crate::bucket::Session>,
    uploader: Box<dyn Uploader>,
    connect: Box<Connect<'_>>,
    mut options: Options,
) -> Result<Summary, Failure> {
    let mut uploader = uploader;
    let local = match &state {
        State::Local { path, .. } => Some(*path),
        State::Prefix(_) => None,
    };
    let prefix_state = || session.map_or_else(String::new, |s| s.state_url());
    let state_name = local.map_or_else(prefix_state, |p| p.display().to_string());
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
        // The prefix's own state is an export under way there.
        return Err(Failure::Usage(format!(
            "{} holds an unfinished export whose state is kept in the prefix ({}): a prefix \
             is one archive, so --state {} cannot start another there; continue that one by \
             leaving --state out",
            uploader.location(),
            prefix_state(),
            path.display()
        )));
    }
    let overlap = |range: Window, format: Format| async move {
        match session {
            Some(session) => session.overlap(&range, format).await.map_err(Failure::from),
            None => Ok(()),
        }
    };
    if args.resume && starts {
        return Err(Failure::Usage(format!(
            "nothing to resume: {state_name} does not exist (the export to {} finished, or never \
             started)",
            uploader.location()
        )));
    }
    // A new export's key is checked before its state is created.
    let new_key = if wants_digests(args) && starts {
        Some(chain_key(args, None)?)
    } else {
        None
    };
    let (client, mut journal, fresh) = match state {
        State::Local { path, .. } => {
            let (client, journal, fresh) = state_journal(args, path, connect, "a bucket")?;
            if fresh {
                if let Err(failure) = overlap(journal.requested, journal.format).await {
                    let _ = journal::remove(path);
                    return Err(failure.into());
                }
            }
            (client, journal, fresh)
        }
        State::Prefix(Some(journal)) => {
            let mut journal = *journal;
            contradictions(args, &journal, Path::new(&state_name))?;
            if let Some(workers) = args.parallel {
                journal.plan.workers = usize::from(workers);
            }
            let (client, target) = connect(Some(&journal.target))?;
            journal.target = target;
            (client, journal, false)
        }
        State::Prefix(None) => {
            let (client, target) = connect(None)?;
            let journal = new_journal(args, target)?;
            overlap(journal.requested, journal.format).await?;
            // Written ahead, as a --state file is: before the first request.
            uploader.save_state(&journal).await?;
            (client, journal, true)
        }
    };
    uploader.lines_are(journal.format);
    options.fresh = fresh;
    if matches!(journal.until, Until::Follow { .. }) {
        options.batch_interval = crate::bucket::batch::Interval::new(
            args.batch_interval.unwrap_or(crate::bucket::batch::DEFAULT),
            args.batch_pages,
        );
    }
    if let (true, Some(key)) = (fresh, new_key) {
        // The archive's chain goes on from its last digest, whichever run
        // wrote it. Until the state records the chain, a failure leaves no
        // state behind (it would continue without digests).
        let begun = async {
            let mut chain = ChainState::new(key_pair(args, key.as_ref()))?;
            if let Some(head) = uploader.digest_head().await? {
                chain.archive = head.body.archive.clone();
                chain.next = head.body.sequence + 1;
                chain.previous = Some(head.sha256());
            }
            journal.digests = Some(chain);
            match local {
                Some(path) => journal::save(&journal, path),
                None => uploader.save_state(&journal).await,
            }
        };
        if let Err(failure) = begun.await {
            let _ = match local {
                Some(path) => journal::remove(path),
                None => uploader.remove_state().await,
            };
            return Err(failure.into());
        }
        options.digests = Some(Digests { key, file: None });
    } else if !fresh {
        options.digests = continued_digests(args, &journal, Path::new(&state_name), None)?;
    }
    let sink = Sink::resume(Batch::default(), journal.format, &journal.written, true);
    let store = Store::Bucket {
        state: local.map(Path::to_owned),
        uploader,
    };
    Pipeline::new(client, journal, sink, store, options)
        .run()
        .await
        .map_err(Failure::from)
}

/// A new export to a file: refuses to replace anything without
/// `--overwrite`, and writes the journal before the first request.
async fn start(
    files: Files<'_>,
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    options: Options,
) -> Result<Summary, Failure> {
    // Everything known client-side is checked before the file is touched.
    let (client, target) = connect(None)?;
    let mut journal = new_journal(args, target)?;
    let path = files.output;
    let journal_path = &files.journal;
    // An output that exists is opened (and locked) now; a new one is created
    // only once the journal that claims it is saved, so a crash between the
    // two leaves a journal the same command takes over, never an empty file
    // that nothing claims.
    let output = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        _ => Some(OutputFile::open(path, false)?),
    };
    let existing = journal::load(journal_path)?;
    let length = output.as_ref().map_or(Ok(0), OutputFile::len)?;
    match &existing {
        Some(old) if !old.nothing_written() && !args.overwrite => {
            return Err(Failure::Usage(format!(
                "{} holds an unfinished export ({} entries; its journal is {}): add --resume to \
                 continue it, or --overwrite to start over",
                path.display(),
                old.written.entries,
                journal_path.display()
            )));
        }
        _ if length > 0 && !args.overwrite => {
            return Err(Failure::Usage(format!(
                "{} already exists ({length} bytes) and is left as it is: add --overwrite to \
                 replace it, or choose another --output",
                path.display()
            )));
        }
        // An empty file someone made (not one a start of ours claimed).
        _ if output.is_some()
            && !args.overwrite
            && !existing.as_ref().is_some_and(|old| old.created_file) =>
        {
            return Err(empty_exists(path));
        }
        _ => {}
    }
    // A journal of a start that wrote nothing (a crash before the first
    // page) is taken over.
    journal.created_file =
        output.is_none() || existing.is_some_and(|old| old.created_file && length == 0);
    journal.replaces_existing = length > 0;
    let mut options = options;
    if wants_digests(args) {
        let key = chain_key(args, None)?;
        let chain = ChainState::new(key_pair(args, key.as_ref()))?;
        let file = FileDigests::open(&digest::path_for(path), &chain, true)?;
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
    if let Err(failure) = journal::save(&journal, journal_path) {
        remove_digests(&options);
        return Err(failure.into());
    }
    let output = match output {
        Some(output) => output,
        None => match OutputFile::open(path, true) {
            Ok(output) if output.created => output,
            Ok(_) => {
                // Made by someone else while this export started.
                let _ = journal::remove(journal_path);
                remove_digests(&options);
                return Err(empty_exists(path));
            }
            Err(failure) => {
                if std::fs::symlink_metadata(path).is_err() {
                    // Not created: the journal claims nothing. (A file
                    // there now is another export's, which owns the journal.)
                    let _ = journal::remove(journal_path);
                }
                remove_digests(&options);
                return Err(failure.into());
            }
        },
    };
    let run = (client, journal, options);
    to_file(files, output, run).await
}

/// An existing empty `--output` is someone's file too.
fn empty_exists(path: &Path) -> Failure {
    Failure::Usage(format!(
        "{} already exists (empty) and is left as it is: add --overwrite to write the export \
         into it, or choose another --output",
        path.display()
    ))
}

/// Continues the export of `path` from its journal, after checking that the
/// file is what the journal describes and that no flag contradicts it.
async fn resume(
    files: Files<'_>,
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    mut options: Options,
) -> Result<Summary, Failure> {
    let path = files.output;
    let journal_path = &files.journal;
    let nothing_to_resume = || {
        Failure::Usage(format!(
            "nothing to resume: {} does not exist (the export of {} finished, or never started)",
            journal_path.display(),
            path.display()
        ))
    };
    let peek = journal::load(journal_path)?.ok_or_else(nothing_to_resume)?;
    // Before the output is opened: another archive is refused as such.
    contradictions(args, &peek, journal_path)?;
    let mut output = OutputFile::open(path, peek.nothing_written())?;
    // Read again under the lock: another run may have changed it meanwhile.
    let checked = journal::load(journal_path)
        .map_err(Failure::from)
        .and_then(|j| {
            let mut journal = j.ok_or_else(nothing_to_resume)?;
            contradictions(args, &journal, journal_path)?;
            crate::retune::apply(args, &mut journal, journal_path);
            output.verify(&journal).map_err(Failure::from)?;
            if let Some(workers) = args.parallel {
                journal.plan.workers = usize::from(workers);
            }
            Ok(journal)
        });
    let mut journal = match checked {
        Ok(journal) => journal,
        Err(failure) => {
            output.remove_if_created();
            return Err(failure.into());
        }
    };
    let (client, target) = connect(Some(&journal.target))?;
    journal.target = target;
    options.digests = continued_digests(args, &journal, journal_path, Some(path))?;
    let dropped = output.cut_to(journal.written.bytes)?;
    if dropped > 0 {
        tracing::info!(
            bytes = dropped,
            "dropped what was written after the journal's last save; those entries are fetched again"
        );
    }
    options.fresh = false;
    let run = (client, journal, options);
    to_file(files, output, run).await
}

/// What a pipeline runs with: the client, the journal and its options.
type Run = (Client, Journal, Options);

/// Runs the pipeline into `output`, which holds what the journal records.
async fn to_file(files: Files<'_>, output: OutputFile, run: Run) -> Result<Summary, Failure> {
    let (client, journal, options) = run;
    let out = BufWriter::with_capacity(WRITE_BUFFER, FileOut::new(output.file));
    let sink = Sink::resume(
        out,
        journal.format,
        &journal.written,
        journal.written.bytes > 0,
    );
    let store = Store::File {
        output: files.output.to_owned(),
        journal: files.journal,
    };
    Pipeline::new(client, journal, sink, store, options)
        .run()
        .await
        .map_err(Failure::from)
}

/// The journal of a new export: the window pinned so that every page, and a
/// resumed run, asks for the same range.
fn new_journal(args: &ExportArgs, target: Target) -> Result<Journal, Failure> {
    let mut params = filters::resolve(&args.filters, Utc::now().trunc_subsecs(3), OpenRange::Pin)
        .map_err(Failure::Usage)?;
    let page_size = args.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    params.limit = Some(page_size);
    params.validate().map_err(|e| Failure::Api(e.into()))?;
    let (Some(start), Some(end)) = (params.start_time, params.end_time) else {
        return Err(Failure::Usage("the export's range is not pinned".into()));
    };
    let filters = params.filters();

    let range = Window::new(start, end);
    let workers = usize::from(args.parallel.unwrap_or(1));
    let windows = if workers > 1 {
        parallel::plan(start, end, workers * parallel::WINDOWS_PER_WORKER)
    } else {
        vec![range]
    };
    let until = match (args.follow, args.max_entries) {
        (true, _) => Until::Follow {
            interval_ms: millis(args.interval.unwrap_or(DEFAULT_INTERVAL)),
            at_end: Vec::new(),
            lookback: crate::lookback::Lookback::new(
                args.lookback.unwrap_or(crate::lookback::DEFAULT_LOOKBACK),
            ),
        },
        (false, Some(max)) => Until::Entries { max },
        (false, None) => Until::RangeEnd,
    };
    Ok(Journal {
        version: JOURNAL_VERSION,
        target,
        filters,
        format: args.format.map_or(Format::Jsonl, Into::into),
        order: args.order.map(Into::into).unwrap_or_default(),
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
        output: Some(output_name(args)),
    })
}

/// Where the export writes, as its journal records it: `stdout`, the file
/// (in its directory with links resolved), or the bucket's URL.
fn output_name(args: &ExportArgs) -> String {
    match &args.output {
        None => "stdout".into(),
        Some(url) if crate::bucket::is_bucket(url) => {
            url.display().to_string().trim_end_matches('/').to_owned()
        }
        Some(path) => {
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

/// Whether the export writes digests.
fn wants_digests(args: &ExportArgs) -> bool {
    args.digests || args.signing_key.is_some()
}

/// The signing key `--signing-key` names, else the one `chain` was started
/// with; it must be the one `chain` is signed with.
fn chain_key(args: &ExportArgs, chain: Option<&ChainState>) -> Result<Option<SigningKey>, Failure> {
    let path = args
        .signing_key
        .clone()
        .or_else(|| chain.and_then(|c| c.signing_key.clone()));
    let key = path.as_deref().map(SigningKey::load).transpose()?;
    if let Some(chain) = chain {
        let id = key.as_ref().map(SigningKey::id);
        if id != chain.key_id {
            return Err(Failure::Usage(format!(
                "the export's digests are signed by {}, and this run's --signing-key is {}: a \
                 chain keeps its key",
                chain
                    .key_id
                    .as_deref()
                    .map_or("no key".into(), |k| format!("key {k}")),
                id.map_or("not given".into(), |k| format!("key {k}"))
            )));
        }
    }
    Ok(key)
}

/// The key's path and the key, for a new chain.
fn key_pair<'a>(
    args: &'a ExportArgs,
    key: Option<&'a SigningKey>,
) -> Option<(&'a Path, &'a SigningKey)> {
    args.signing_key.as_deref().zip(key)
}

/// The digests of a continued export, as its journal started them; `output`
/// is the file of a file archive.
fn continued_digests(
    args: &ExportArgs,
    journal: &Journal,
    journal_path: &Path,
    output: Option<&Path>,
) -> Result<Option<Digests>, Failure> {
    let Some(chain) = &journal.digests else {
        if wants_digests(args) {
            return Err(Failure::Usage(format!(
                "the export in {} was started without --digests, and a chain cannot begin in \
                 the middle of an archive: leave --digests and --signing-key out, or start a \
                 new export",
                journal_path.display()
            )));
        }
        return Ok(None);
    };
    let key = chain_key(args, Some(chain))?;
    let file = output
        .map(|output| FileDigests::open(&digest::path_for(output), chain, false))
        .transpose()?;
    Ok(Some(Digests { key, file }))
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Refuses a flag given beside `--resume` (or a `--state` that exists) that
/// contradicts the journal at `journal_path`, naming the flag and both values:
/// what the archive is (host, filters, format, order, output, range) is
/// pinned; how it runs may change (see [`crate::retune`]).
/// With `--state` the range flags are not compared: they set where the run
/// that created the state began, and the service's command keeps them.
fn contradictions(
    args: &ExportArgs,
    journal: &Journal,
    journal_path: &Path,
) -> Result<(), Failure> {
    let ts = crate::filters::timestamp;
    let f = &args.filters;
    let mut found: Vec<(String, String, String)> = Vec::new();
    let differs =
        |found: &mut Vec<(String, String, String)>, flag: &str, given: String, recorded: String| {
            if given != recorded {
                found.push((flag.to_owned(), given, recorded));
            }
        };
    let pinned = state_pins_range(args);
    if pinned {
        // Range flags are the first run's.
    } else if let Some(start) = &f.start {
        differs(
            &mut found,
            "--start",
            ts(start),
            ts(&journal.requested.start),
        );
    }
    if let (Some(end), false) = (&f.end, pinned) {
        differs(&mut found, "--end", ts(end), ts(&journal.requested.end));
    }
    if let (Some(since), false) = (f.since, pinned) {
        found.push((
            "--since".into(),
            humantime::format_duration(since).to_string(),
            format!(
                "the window {} to {} (--since is relative to now, so it cannot name it again)",
                ts(&journal.requested.start),
                ts(&journal.requested.end)
            ),
        ));
    }
    for (parameter, values) in &f.query.given {
        let mut given = ListAuditLogsParams::default();
        let texts: Vec<&str> = values.iter().map(String::as_str).collect();
        let given = match given.set_text(parameter.name, &texts) {
            Ok(()) => values_of(&given, parameter.name),
            Err(_) => values.join(", "),
        };
        let recorded = values_of(&journal.filters, parameter.name);
        differs(
            &mut found,
            &crate::query_flags::flag(parameter),
            given,
            recorded,
        );
    }
    if let Some(format) = args.format {
        differs(
            &mut found,
            "--format",
            Format::from(format).name().into(),
            journal.format.name().into(),
        );
    }
    if let Some(order) = args.order {
        differs(
            &mut found,
            "--order",
            arize_audit_logs_archive::Order::from(order).name().into(),
            journal.order.name().into(),
        );
    }
    // Without --state the journal is found by the output's name.
    if let (Some(recorded), Some(_)) = (&journal.output, &args.state) {
        differs(&mut found, "--output", output_name(args), recorded.clone());
    }
    if let Some(max) = args.max_entries {
        let recorded = match journal.until {
            Until::Entries { max } => max.to_string(),
            _ => "(none)".into(),
        };
        differs(&mut found, "--max-entries", max.to_string(), recorded);
    }
    let following = match &journal.until {
        Until::Follow { interval_ms, .. } => Some(*interval_ms),
        _ => None,
    };
    if args.follow && following.is_none() {
        found.push(("--follow".into(), "given".into(), "not following".into()));
    }
    match found.first() {
        None => Ok(()),
        Some((flag, given, recorded)) => Err(Failure::Usage(format!(
            "{flag} {given} contradicts the journal {}, which continues an export with {recorded}: \
             a continued export keeps what it archives (host, filters, format, order, output, \
             range) from its journal, so leave {flag} out (or start another export){}",
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

/// Whether the export's state is one a service's command continues, its
/// range flags setting where the first run began: `--state`, or a bucket's
/// prefix, which keeps the state without it.
fn state_pins_range(args: &ExportArgs) -> bool {
    args.state.is_some() || args.output.as_deref().is_some_and(crate::bucket::is_bucket)
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

/// Runs the command.
pub async fn command(mut args: ExportArgs, metrics: Option<Arc<Metrics>>) -> Result<(), Failure> {
    if args.output.as_deref() == Some(Path::new("-")) {
        // `-o -` is standard output, as everywhere else.
        args.output = None;
    }
    let settings = crate::connect::settings(&args.connection)?;
    let continues = args.resume || args.state.as_ref().is_some_and(|s| s.exists());
    if !continues && args.page_size.is_none() {
        // A profile's page size; a continued export keeps its journal's.
        args.page_size = settings.page_size.as_ref().map(|(n, _)| *n);
    }
    let connect =
        Box::new(move |pinned: Option<&Target>| crate::connect::client_with(&settings, pinned));
    let metrics = match (&metrics, &args.metrics_listen) {
        (Some(metrics), Some(addr)) => {
            for bound in metrics.serve(addr).await? {
                crate::notice::info(&format!(
                    "Serving http://{bound}/metrics and http://{bound}/healthz"
                ));
            }
            Some(metrics.clone() as Arc<dyn Observer>)
        }
        _ => None,
    };
    let observer = Arc::new(Terminal::new(!args.no_progress, metrics));
    let summary = run(&args, connect, crate::signals::listen(), observer).await?;
    report_repeats(&summary);
    report_late(&summary);
    let target = args
        .output
        .as_ref()
        .map_or("stdout".into(), |p| p.display().to_string());
    if let Some(signal) = summary.stopped {
        // A service's stop: said whether or not anyone watches stderr.
        let journal = args
            .state
            .clone()
            .or_else(|| args.output.as_deref().map(journal::path_for));
        let in_prefix =
            args.state.is_none() && args.output.as_deref().is_some_and(crate::bucket::is_bucket);
        let state = match journal {
            Some(_) if in_prefix => format!(
                "its state is saved in the prefix ({}), and the same command continues it",
                crate::bucket::STATE_NAME
            ),
            Some(path) => format!(
                "its state is saved in {}, and the same command continues it",
                path.display()
            ),
            None => "without --state it cannot be continued".into(),
        };
        crate::notice::info(&format!(
            "Stopped following on {}: {} entries written to {target} in all; {state}.",
            crate::signals::Signal::of(signal).name(),
            summary.entries,
        ));
    } else if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        crate::notice::info(&format!(
            "Exported {} entries ({} pages) to {target} in {:.2} s.",
            summary.entries,
            summary.pages,
            summary.elapsed.as_secs_f64()
        ));
    }
    broken_entries(&summary)
}

/// The export's last word on entries that break the document: they are
/// written as sent and the export is complete, but the run exits 4 (see
/// [`crate::conformance`]).
pub fn broken_entries(summary: &Summary) -> Result<(), Failure> {
    if summary.breaks.count == 0 {
        return Ok(());
    }
    let done = if summary.stopped.is_some() {
        "its state is saved, and the same command goes on after them"
    } else {
        "the export is complete, so nothing needs to run again"
    };
    Err(Failure::Server(format!(
        "{}: the server sent them against its own document. Each is written as sent \
         (CSV: each member's text, or its JSON text where its type is wrong), and {done}.",
        summary.breaks.describe()
    )))
}

/// Entries the look-back found are no failure, but never silent: they show
/// how late the server makes entries visible.
pub fn report_late(summary: &Summary) {
    if summary.late > 0 {
        eprintln!(
            "{} entries were found by the look-back: the server showed them only after an \
             earlier poll had covered their created_at; each was written once",
            summary.late
        );
    }
}

/// Overlapping pages are no failure, but never silent.
pub fn report_repeats(summary: &Summary) {
    if summary.repeats > 0 {
        crate::notice::warn(&format!(
            "warning: the server sent {} entries again on a later page (overlapping pages); each \
             was written once",
            summary.repeats
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use arize_audit_logs::mock::{MockConfig, MockServer};
    use chrono::{DateTime, Utc};
    use clap::Parser;
    use futures::future::BoxFuture;

    use super::*;
    use crate::{
        cli::{Cli, Command},
        digest::{Content, Sealed, Unit},
        journal::KeySource,
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
        ) -> BoxFuture<'a, Result<Vec<(Unit, Content)>, arize_audit_logs_archive::Error>> {
            self.attempts.lock().expect("lock").push(lines.to_vec());
            if self.failing {
                return Box::pin(async {
                    Err(arize_audit_logs_archive::Error::storage(
                        "the store is down",
                    ))
                });
            }
            self.uploads.lock().expect("lock").push(lines.to_vec());
            Box::pin(async { Ok(Vec::new()) })
        }

        fn store_digest<'a>(
            &'a mut self,
            _: &'a Sealed,
        ) -> BoxFuture<'a, Result<(), arize_audit_logs_archive::Error>> {
            Box::pin(async { Ok(()) })
        }

        fn digest_head(
            &mut self,
        ) -> BoxFuture<'_, Result<Option<Sealed>, arize_audit_logs_archive::Error>> {
            Box::pin(async { Ok(None) })
        }

        fn location(&self) -> String {
            "test://".into()
        }
    }

    /// Sends SIGTERM's value once `after` pages were written.
    struct StopAfter {
        after: u64,
        pages: Mutex<u64>,
        stop: StopHandle,
    }

    impl Observer for StopAfter {
        fn following(&self, _: Duration) {}

        fn page(&self, _: u64, _: Option<DateTime<Utc>>) {
            let mut pages = self.pages.lock().expect("lock");
            *pages += 1;
            if *pages == self.after {
                self.stop
                    .stop(arize_audit_logs_archive::StopReason::Terminate);
            }
        }
    }

    fn export_args(state: &Path) -> ExportArgs {
        let cli = Cli::try_parse_from([
            "arize-audit-logs",
            "export",
            "--start",
            "2026-01-01T00:00:00Z",
            "--end",
            "2026-05-18T00:00:00Z",
            "--page-size",
            "10",
            "--batch-pages",
            "5",
            "--output",
            "s3://bucket/prefix/",
            "--state",
            &state.display().to_string(),
            "--no-progress",
        ])
        .expect("parses");
        match cli.command {
            Command::Export(args) => args,
            _ => unreachable!("an export"),
        }
    }

    async fn run_once(
        server: &MockServer,
        state: &Path,
        recorder: Recorder,
        stop_after: Option<u64>,
    ) -> Result<Summary, Failure> {
        let args = export_args(state);
        let handle = StopHandle::new();
        let observer = stop_after.map(|after| {
            Arc::new(StopAfter {
                after,
                pages: Mutex::new(0),
                stop: handle.clone(),
            }) as Arc<dyn Observer>
        });
        let observer = observer.unwrap_or_else(|| Arc::new(Terminal::new(false, None)));
        let client = server.client().expect("client");
        let target = Target {
            base_url: server.uri(),
            key: KeySource::Env,
        };
        let connect: Box<Connect<'_>> = Box::new(move |_| Ok((client, target)));
        let options = Options {
            stop: handle,
            checkpoint_every: args.checkpoint_every,
            fresh: true,
            observer,
            batch_pages: args.batch_pages,
            digests: None,
            batch_interval: None,
        };
        let state = State::Local {
            path: state,
            prefix_has_state: false,
        };
        upload(&args, state, None, Box::new(recorder), connect, options).await
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
        let dir = std::env::temp_dir().join(format!("arize-batch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let state = dir.join("state.json");

        // SIGTERM after 3 pages of a 5-page batch: the short batch is
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

        // The same command again: its first batch is those 3 pages again,
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
        std::fs::remove_dir_all(dir).ok();
    }
}
