//! `export`: every entry of a range to a file or stdout, with a checkpoint
//! after each page so an interrupted export resumes exactly, and `--follow`.

use std::{
    collections::HashSet,
    fs::{File, OpenOptions},
    io::{self, BufWriter, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use arize_audit_logs::{AuditLog, Client, ListAuditLogsParams, ResumePoint};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::{
    cli::{ExportArgs, Format},
    parallel::{self, ParallelState},
    progress::Progress,
    sink::Sink,
    Failure,
};

const CHECKPOINT_VERSION: u32 = 1;

/// Everything needed to continue an export exactly where it stopped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub format: Format,
    pub page_size: u32,
    /// The current window and filters (the cursor lives in `resume`).
    pub params: ListAuditLogsParams,
    /// Where the current window continues; `None` once it is complete.
    pub resume: Option<ResumePoint>,
    /// Entries and bytes of the output that are complete.
    pub entries: u64,
    pub bytes: u64,
    pub pages: u64,
    pub max_entries: Option<u64>,
    pub follow: Option<FollowState>,
    /// The window plan of `--parallel`, while its windows are being written;
    /// `resume` is then the position inside window `current`.
    #[serde(default)]
    pub parallel: Option<ParallelState>,
}

/// What `--follow` carries from one window to the next.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FollowState {
    pub interval_ms: u64,
    /// Ids written with `created_at` equal to the window's end: the next
    /// window starts there (inclusive) and must not write them again.
    pub at_end: Vec<String>,
    /// Ids the current window must not write (the previous window's `at_end`).
    pub skip: Vec<String>,
}

/// What a finished export did.
pub struct Summary {
    pub entries: u64,
    pub pages: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

pub fn checkpoint_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// Runs `export` as the arguments say.
pub async fn run(
    client: Client,
    args: &ExportArgs,
    stop: watch::Receiver<bool>,
) -> Result<Summary, Failure> {
    let progress = Progress::new(!args.no_progress);
    match &args.output {
        Some(path) => {
            let cp_path = checkpoint_path(path);
            let (state, sink) = if args.resume {
                let (mut state, sink) = open_for_resume(path, &cp_path)?;
                if let (Some(plan), true) = (&mut state.parallel, args.parallel > 1) {
                    plan.workers = usize::from(args.parallel);
                }
                (state, sink)
            } else {
                let state = new_state(args)?;
                // Locked before anything else, so a second export of the same
                // file cannot destroy the first one's work.
                let file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)
                    .map_err(|e| Failure::io(path, e))?;
                lock(&file, path)?;
                if cp_path.exists() {
                    return Err(Failure::Usage(format!(
                        "{} holds an unfinished export ({}): add --resume to continue it, or delete the \
                         checkpoint to start over",
                        path.display(),
                        cp_path.display()
                    )));
                }
                file.set_len(0).map_err(|e| Failure::io(path, e))?;
                let sink = Sink::create(BufWriter::with_capacity(256 * 1024, file), state.format)
                    .map_err(|e| Failure::io(path, e))?;
                (state, sink)
            };
            let mut export = Export {
                checkpoint_every: args.checkpoint_every,
                last_save: Instant::now(),
                client,
                sink,
                state,
                checkpoint: Some(cp_path),
                output: Some(path.clone()),
                progress,
                stop,
                started: Instant::now(),
            };
            export.run().await
        }
        None => {
            let mut state = new_state(args)?;
            if let Some(cursor) = &args.cursor {
                state.resume = Some(ResumePoint::new(Some(cursor.clone()), args.skip));
            }
            let out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
            let sink =
                Sink::create(out, state.format).map_err(|e| Failure::io(Path::new("stdout"), e))?;
            let mut export = Export {
                checkpoint_every: args.checkpoint_every,
                last_save: Instant::now(),
                client,
                sink,
                state,
                checkpoint: None,
                output: None,
                progress,
                stop,
                started: Instant::now(),
            };
            export.run().await
        }
    }
}

/// The state of a new export: the window pinned so that every page, and a
/// resumed run, asks for the same range.
fn new_state(args: &ExportArgs) -> Result<Checkpoint, Failure> {
    let f = &args.filters;
    let end = f.end.unwrap_or_else(|| Utc::now().trunc_subsecs(3));
    let start = match (f.start, f.since) {
        (Some(start), _) => Some(start),
        (None, Some(since)) => {
            let span = TimeDelta::from_std(since)
                .map_err(|_| Failure::Usage(format!("--since {since:?} is too long")))?;
            Some(
                end.checked_sub_signed(span)
                    .ok_or_else(|| Failure::Usage("--since reaches too far back".into()))?,
            )
        }
        (None, None) => None,
    };
    let workers = usize::from(args.parallel);
    // Windows need a lower bound: the server's own default, pinned.
    let start = match (start, workers > 1) {
        (None, true) => Some(end - TimeDelta::days(30)),
        (start, _) => start,
    };
    let mut params = ListAuditLogsParams::default();
    params.start_time = start;
    params.end_time = Some(end);
    params.user_id = f.user_id.clone();
    params.operation_type = f.operation_type.clone();
    params.limit = Some(args.page_size);
    params.validate().map_err(|e| Failure::Api(e.into()))?;
    Ok(Checkpoint {
        version: CHECKPOINT_VERSION,
        format: args.format,
        page_size: args.page_size,
        params,
        resume: Some(ResumePoint::default()),
        entries: 0,
        bytes: 0,
        pages: 0,
        max_entries: args.max_entries,
        follow: args.follow.then(|| FollowState {
            interval_ms: u64::try_from(args.interval.as_millis()).unwrap_or(u64::MAX),
            ..FollowState::default()
        }),
        parallel: match (workers > 1, start) {
            (true, Some(start)) => Some(ParallelState {
                windows: parallel::plan(start, end, workers * parallel::WINDOWS_PER_WORKER),
                workers,
            }),
            _ => None,
        },
    })
}

fn open_for_resume(
    path: &Path,
    cp_path: &Path,
) -> Result<(Checkpoint, Sink<BufWriter<File>>), Failure> {
    let text = std::fs::read_to_string(cp_path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            Failure::Usage(format!(
                "nothing to resume: {} does not exist (the export of {} finished, or never started)",
                cp_path.display(),
                path.display()
            ))
        } else {
            Failure::io(cp_path, e)
        }
    })?;
    let state: Checkpoint = serde_json::from_str(&text).map_err(|e| {
        Failure::Usage(format!(
            "{} is not a checkpoint this version can read: {e}",
            cp_path.display()
        ))
    })?;
    if state.version != CHECKPOINT_VERSION {
        return Err(Failure::Usage(format!(
            "{} was written by another version (checkpoint version {})",
            cp_path.display(),
            state.version
        )));
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| Failure::io(path, e))?;
    let length = file.metadata().map_err(|e| Failure::io(path, e))?.len();
    if length < state.bytes {
        return Err(Failure::Usage(format!(
            "{} is shorter ({length} bytes) than its checkpoint records ({} bytes): it was changed since; \
             start the export again",
            path.display(),
            state.bytes
        )));
    }
    // Anything after the last checkpoint was written by the interrupted run
    // for a page it had not recorded: drop it, the page is fetched again.
    file.set_len(state.bytes)
        .map_err(|e| Failure::io(path, e))?;
    file.seek(SeekFrom::End(0))
        .map_err(|e| Failure::io(path, e))?;
    let sink = Sink::resume(
        BufWriter::with_capacity(256 * 1024, file),
        state.format,
        state.entries,
        state.bytes,
    );
    Ok((state, sink))
}

/// Takes an exclusive lock on the output for the life of the export.
fn lock(file: &File, path: &Path) -> Result<(), Failure> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(Failure::Usage(format!(
            "{} is being written by another export right now",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Failure::io(path, e)),
    }
}

struct Export<W: Write> {
    /// Written at most this often while pages arrive (and always at the end,
    /// on failure and on interruption).
    checkpoint_every: Duration,
    last_save: Instant,
    client: Client,
    sink: Sink<W>,
    state: Checkpoint,
    checkpoint: Option<PathBuf>,
    output: Option<PathBuf>,
    progress: Progress,
    stop: watch::Receiver<bool>,
    started: Instant,
}

impl<W: Write> Export<W> {
    async fn run(&mut self) -> Result<Summary, Failure> {
        loop {
            let fetched = if self.state.parallel.is_some() {
                self.export_parallel().await
            } else {
                self.export_window().await
            };
            if let Err(failure) = fetched {
                self.save()?;
                self.progress.finish();
                return Err(self.with_resume_hint(failure));
            }
            let capped = self
                .state
                .max_entries
                .is_some_and(|m| self.sink.entries() >= m);
            if self.state.follow.is_none() || capped {
                break;
            }
            if !self.next_follow_window().await? {
                break;
            }
        }
        self.sink.finish().map_err(|e| self.io_failure(e))?;
        if let Some(cp) = &self.checkpoint {
            match std::fs::remove_file(cp) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Failure::io(cp, e)),
            }
        }
        self.progress.finish();
        Ok(Summary {
            entries: self.sink.entries(),
            pages: self.state.pages,
            bytes: self.sink.bytes(),
            elapsed: self.started.elapsed(),
        })
    }

    /// Fetches the rest of the current window, writing and checkpointing
    /// after each page.
    async fn export_window(&mut self) -> Result<(), Failure> {
        let Some(resume) = self.state.resume.clone() else {
            return Ok(());
        };
        let mut request = self
            .client
            .list_audit_logs()
            .params(self.state.params.clone())
            .resume(resume);
        if let Some(max) = self.state.max_entries {
            request = request.max_entries(max.saturating_sub(self.sink.entries()));
        }
        let skip: HashSet<String> = self
            .state
            .follow
            .as_ref()
            .map(|f| f.skip.iter().cloned().collect())
            .unwrap_or_default();
        let mut pages = request.pages();
        let mut stop = self.stop.clone();
        loop {
            match unless_interrupted(&mut stop, pages.next()).await? {
                None => break,
                Some(Err(error)) => {
                    self.state.resume = pages.resume_point();
                    return Err(Failure::Api(error));
                }
                Some(Ok(page)) => {
                    let fresh = page
                        .logs
                        .iter()
                        .filter(|e| skip.is_empty() || !skip.contains(&e.id));
                    self.write_entries(fresh)?;
                    self.state.pages += 1;
                    self.state.resume = pages.resume_point();
                    self.save_if_due()?;
                    self.progress.update(self.sink.entries(), self.state.pages);
                }
            }
        }
        self.state.resume = None;
        Ok(())
    }

    /// Writes the windows of a parallel export in order, from the current one,
    /// checkpointing after each page.
    async fn export_parallel(&mut self) -> Result<(), Failure> {
        let Some(state) = self.state.parallel.clone() else {
            return Ok(());
        };
        let plan = parallel::start(
            &self.client,
            &self.state.params,
            &state,
            self.state.resume.clone(),
        );
        let mut stop = self.stop.clone();
        let mut index = 0;
        while let Some(mut rx) = plan.receiver(index) {
            loop {
                match unless_interrupted(&mut stop, rx.recv()).await? {
                    None => break,
                    Some(Err(error)) => return Err(Failure::Api(error)),
                    Some(Ok(delivery)) => {
                        self.write_entries(delivery.entries.iter())?;
                        self.state.pages += 1;
                        self.state.resume = delivery.resume;
                        if let Some(p) = &mut self.state.parallel {
                            p.windows = plan.remaining(index);
                        }
                        self.save_if_due()?;
                        self.progress.update(self.sink.entries(), self.state.pages);
                    }
                }
            }
            // Window complete: the next one starts from its beginning.
            index += 1;
            if let Some(p) = &mut self.state.parallel {
                p.windows = plan.remaining(index);
            }
            self.state.resume = Some(ResumePoint::default());
            self.save_if_due()?;
        }
        self.state.parallel = None;
        self.state.resume = None;
        Ok(())
    }

    /// Waits for the interval, then moves the window on to [old end, now].
    /// `false` when interrupted while waiting: a clean stop for `--follow`.
    async fn next_follow_window(&mut self) -> Result<bool, Failure> {
        let interval =
            Duration::from_millis(self.state.follow.as_ref().map_or(0, |f| f.interval_ms));
        let mut stop = self.stop.clone();
        self.progress.waiting(self.sink.entries(), self.state.pages);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.wait_for(|s| *s) => return Ok(false),
            }
            let old_end = self.state.params.end_time.unwrap_or_else(Utc::now);
            let now = Utc::now().trunc_subsecs(3);
            if now <= old_end {
                continue;
            }
            let follow = self.state.follow.get_or_insert_with(FollowState::default);
            follow.skip = std::mem::take(&mut follow.at_end);
            self.state.params.start_time = Some(old_end);
            self.state.params.end_time = Some(now);
            self.state.resume = Some(ResumePoint::default());
            self.save()?;
            return Ok(true);
        }
    }

    /// Writes entries, noting for `--follow` those on the window's end (the
    /// next window starts there, inclusive, and must not write them again).
    fn write_entries<'e>(
        &mut self,
        entries: impl Iterator<Item = &'e AuditLog>,
    ) -> Result<(), Failure> {
        let end = self.state.params.end_time;
        for entry in entries {
            self.sink.write(entry).map_err(|e| self.io_failure(e))?;
            if let (Some(follow), Some(end)) = (&mut self.state.follow, end) {
                if entry.created_at == end {
                    follow.at_end.push(entry.id.clone());
                }
            }
        }
        Ok(())
    }

    /// Saves when the last save is older than the interval. Between saves
    /// the file may run ahead of the checkpoint; a resume truncates it back,
    /// so the result is exact either way.
    fn save_if_due(&mut self) -> Result<(), Failure> {
        if self.last_save.elapsed() >= self.checkpoint_every {
            self.save()?;
        }
        Ok(())
    }

    /// Flushes the output, then records how much of it is complete. The
    /// checkpoint is replaced atomically (written aside, then renamed).
    fn save(&mut self) -> Result<(), Failure> {
        self.last_save = Instant::now();
        self.sink.flush().map_err(|e| self.io_failure(e))?;
        let Some(path) = &self.checkpoint else {
            return Ok(());
        };
        self.state.entries = self.sink.entries();
        self.state.bytes = self.sink.bytes();
        let tmp = path.with_extension("checkpoint.tmp");
        let json = serde_json::to_vec_pretty(&self.state)
            .map_err(|e| Failure::io(path, io::Error::other(e)))?;
        std::fs::write(&tmp, json).map_err(|e| Failure::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Failure::io(path, e))
    }

    fn io_failure(&self, e: io::Error) -> Failure {
        match &self.output {
            Some(p) => Failure::io(p, e),
            None => Failure::io(Path::new("stdout"), e),
        }
    }

    /// Adds to a failure what was written and the command that continues.
    fn with_resume_hint(&self, failure: Failure) -> Failure {
        let written = self.sink.entries();
        let hint = match (&self.output, &self.state.resume) {
            (Some(path), point) => {
                let at = match point {
                    Some(ResumePoint { cursor: Some(c), skip, .. }) => {
                        format!(" It stopped at cursor {} (entry {skip} of that page).", arize_audit_logs::escape_control(c))
                    }
                    _ => " It stopped before the first page.".to_owned(),
                };
                format!(
                    "{written} entries are safely in {}.{at} To continue exactly where it stopped, run:\n  \
                     arize-audit-logs export --output {} --resume",
                    path.display(),
                    shell_quote(&path.display().to_string())
                )
            }
            (None, Some(_)) if self.state.parallel.is_some() => format!(
                "{written} entries were written to stdout. A parallel export to stdout cannot be resumed; \
                 export to a file with --output to make it resumable."
            ),
            (None, Some(point)) => {
                let mut cmd = String::from("arize-audit-logs export");
                let p = &self.state.params;
                let ts = |t: &DateTime<Utc>| arize_audit_logs::format_timestamp(t);
                if let Some(s) = &p.start_time {
                    cmd += &format!(" --start {}", ts(s));
                }
                if let Some(e) = &p.end_time {
                    cmd += &format!(" --end {}", ts(e));
                }
                if let Some(u) = &p.user_id {
                    cmd += &format!(" --user-id {}", shell_quote(u));
                }
                if let Some(t) = &p.operation_type {
                    cmd += &format!(" --operation-type {t}");
                }
                cmd += &format!(
                    " --format {:?} --page-size {}",
                    self.state.format, self.state.page_size
                )
                .to_lowercase();
                if let Some(c) = &point.cursor {
                    cmd += &format!(" --cursor {} --skip {}", shell_quote(c), point.skip);
                }
                format!(
                    "{written} entries were written to stdout. To fetch the rest, run:\n  {cmd}"
                )
            }
            (None, None) => format!("{written} entries were written to stdout."),
        };
        failure.with_hint(hint)
    }
}

/// Waits for `future`, or fails with [`Failure::Interrupted`] on Ctrl-C.
async fn unless_interrupted<T>(
    stop: &mut watch::Receiver<bool>,
    future: impl std::future::Future<Output = T>,
) -> Result<T, Failure> {
    tokio::select! {
        value = future => Ok(value),
        _ = stop.wait_for(|s| *s) => Err(Failure::Interrupted),
    }
}

/// Quotes for a POSIX shell when needed.
fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:+@%,".contains(&b))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
