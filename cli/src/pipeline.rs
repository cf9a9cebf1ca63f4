//! The one export loop, for sequential, `--parallel` and `--follow` exports
//! alike: fetch → check → write → sync → journal → progress.

use std::{
    io,
    path::PathBuf,
    time::{Duration, Instant},
};

use arize_audit_logs::{Client, ResumePoint};
use chrono::{DateTime, SubsecRound, Utc};
use tokio::sync::watch;

use crate::{
    check::Checked,
    failure::Failure,
    filters::shell_quote,
    hooks,
    journal::{self, Journal, KeySource, Until, Written},
    parallel::{self, Window},
    progress::Progress,
    sink::{Durable, Sink},
};

/// Where the export goes.
pub enum Store {
    /// A file with its journal.
    File { output: PathBuf, journal: PathBuf },
    /// Standard output: no journal; a failure prints the command that
    /// fetches the rest.
    Stdout,
}

/// What a finished export did.
pub struct Summary {
    pub entries: u64,
    pub pages: u64,
    pub bytes: u64,
    /// Entries the server sent again on a later page, written once.
    pub repeats: u64,
    pub elapsed: Duration,
}

pub struct Pipeline<W: Durable> {
    client: Client,
    journal: Journal,
    /// What the journal on disk vouches for.
    saved: Written,
    sink: Sink<W>,
    store: Store,
    progress: Progress,
    stop: watch::Receiver<bool>,
    checkpoint_every: Duration,
    last_save: Instant,
    started: Instant,
    pages: u64,
    repeats: u64,
    /// A page is partly written: the file is ahead of the plan, so the
    /// journal must not be saved until the page is complete.
    mid_page: bool,
    /// Bytes written when background writeback was last started, and that
    /// writeback while it runs.
    writeback_at: u64,
    writeback: Option<tokio::task::JoinHandle<()>>,
}

/// Start writing a file back to disk in the background every this many
/// bytes, so the sync that ends the export has little left to do. It only
/// saves time; the journal's order does not depend on it.
const WRITEBACK_EVERY: u64 = 4 << 20;

impl<W: Durable> Pipeline<W> {
    pub fn new(
        client: Client,
        journal: Journal,
        sink: Sink<W>,
        store: Store,
        stop: watch::Receiver<bool>,
        checkpoint_every: Duration,
        progress: Progress,
    ) -> Self {
        Self {
            client,
            saved: journal.written.clone(),
            pages: journal.written.pages,
            repeats: journal.written.repeats,
            journal,
            sink,
            store,
            progress,
            stop,
            checkpoint_every,
            last_save: Instant::now(),
            started: Instant::now(),
            mid_page: false,
            writeback_at: 0,
            writeback: None,
        }
    }

    pub async fn run(mut self) -> Result<Summary, Failure> {
        hooks::pause("started");
        match self.passes().await {
            Ok(()) => self.finish(),
            Err(failure) => Err(self.fail(failure)),
        }
    }

    async fn passes(&mut self) -> Result<(), Failure> {
        loop {
            self.pass().await?;
            if !self.next_follow_range().await? {
                return Ok(());
            }
        }
    }

    /// Fetches and writes every window left in the plan.
    async fn pass(&mut self) -> Result<(), Failure> {
        let plan = &self.journal.plan;
        if plan.windows.is_empty() {
            return Ok(());
        }
        let cap = match self.journal.until {
            Until::Entries { max } => Some(max.saturating_sub(self.sink.entries())),
            _ => None,
        };
        if cap == Some(0) {
            self.journal.plan.windows.clear();
            return Ok(());
        }
        let fetch = parallel::start(
            &self.client,
            &self.journal.params(),
            &plan.windows,
            plan.workers,
            plan.resume.clone(),
            cap,
        );
        let mut stop = self.stop.clone();
        let mut index = 0;
        while let Some(mut rx) = fetch.receiver(index) {
            while let Some(item) = unless_interrupted(&mut stop, rx.recv()).await? {
                let delivery = item.map_err(Failure::Api)?;
                let checked = self
                    .journal
                    .guard
                    .check(delivery.entries, delivery.cursor.as_deref())
                    .map_err(Failure::Api)?;
                let capped = self.write(checked)?;
                let plan = &mut self.journal.plan;
                match delivery.resume {
                    Some(point) => {
                        plan.windows = fetch.remaining(index);
                        plan.resume = point;
                    }
                    None => {
                        plan.windows = fetch.remaining(index + 1);
                        plan.resume = ResumePoint::default();
                    }
                }
                self.mid_page = false;
                if capped {
                    self.journal.plan.windows.clear();
                    return Ok(());
                }
                hooks::pause("page-written");
                if self.last_save.elapsed() >= self.checkpoint_every {
                    self.commit()?;
                } else {
                    self.start_writeback();
                }
                let range = (self.journal.range.start, self.journal.range.end);
                self.progress.update(
                    self.sink.entries(),
                    self.pages,
                    range,
                    self.oldest_written(),
                );
            }
            index += 1;
            self.journal.plan.windows = fetch.remaining(index);
            self.journal.plan.resume = ResumePoint::default();
        }
        Ok(())
    }

    /// The `created_at` of the last (oldest) entry written.
    fn oldest_written(&self) -> Option<DateTime<Utc>> {
        let last = self.sink.last()?;
        DateTime::parse_from_rfc3339(&last.created_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Writes a checked page; `true` when `--max-entries` is reached.
    fn write(&mut self, checked: Checked) -> Result<bool, Failure> {
        self.pages += 1;
        self.repeats += checked.repeats;
        let mut entries = checked.entries;
        let mut capped = false;
        if let Until::Entries { max } = self.journal.until {
            let room = max.saturating_sub(self.sink.entries());
            if entries.len() as u64 >= room {
                entries.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                capped = true;
            }
        }
        if entries.is_empty() {
            return Ok(capped);
        }
        self.mid_page = true;
        self.replace_existing()?;
        self.sink
            .write_page(&entries)
            .map_err(|e| self.io_failure(e))?;
        if let Until::Follow { at_end, .. } = &mut self.journal.until {
            let end = self.journal.range.end;
            at_end.extend(
                entries
                    .iter()
                    .filter(|e| e.created_at() == end)
                    .map(|e| e.id().to_owned()),
            );
        }
        Ok(capped)
    }

    /// Every few MiB, starts syncing the file on the blocking pool (one at a
    /// time) while the export goes on waiting for the network.
    fn start_writeback(&mut self) {
        if self.sink.bytes() < self.writeback_at + WRITEBACK_EVERY
            || self.writeback.as_ref().is_some_and(|w| !w.is_finished())
        {
            return;
        }
        self.writeback_at = self.sink.bytes();
        if let Some(file) = self.sink.writeback_handle() {
            self.writeback = Some(tokio::task::spawn_blocking(move || {
                let _ = file.sync_data();
            }));
        }
    }

    /// With `--overwrite`, the old content goes when the first entries come.
    fn replace_existing(&mut self) -> Result<(), Failure> {
        if self.journal.replaces_existing && !self.sink.started() {
            self.sink
                .discard_existing()
                .map_err(|e| self.io_failure(e))?;
            self.journal.replaces_existing = false;
        }
        Ok(())
    }

    /// Makes what is written durable, then replaces the journal to count it.
    fn commit(&mut self) -> Result<(), Failure> {
        self.last_save = Instant::now();
        let mut written = self.sink.sync().map_err(|e| self.io_failure(e))?;
        written.pages = self.pages;
        written.repeats = self.repeats;
        if let Store::File { journal: path, .. } = &self.store {
            hooks::pause("data-synced");
            self.journal.written = written.clone();
            journal::save(&self.journal, path)?;
            hooks::pause("journal-saved");
        }
        self.saved = written;
        Ok(())
    }

    /// After a pass of `--follow`: waits for the interval, then moves the
    /// range on to [old end, now]. `false` when not following, or when
    /// stopped while waiting (a clean end).
    async fn next_follow_range(&mut self) -> Result<bool, Failure> {
        let Until::Follow { interval_ms, .. } = self.journal.until else {
            return Ok(false);
        };
        self.commit()?;
        self.progress.waiting(self.sink.entries(), self.pages);
        let mut stop = self.stop.clone();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(interval_ms)) => {}
                _ = stop.wait_for(|s| *s) => return Ok(false),
            }
            let old_end = self.journal.range.end;
            let now = Utc::now().trunc_subsecs(3);
            if now <= old_end {
                continue;
            }
            if let Until::Follow { at_end, .. } = &mut self.journal.until {
                let boundary = std::mem::take(at_end);
                self.journal.guard.start_newer_pass(boundary);
            }
            self.journal.range = Window::new(old_end, now);
            self.journal.plan.windows = vec![self.journal.range];
            self.journal.plan.resume = ResumePoint::default();
            self.commit()?;
            return Ok(true);
        }
    }

    fn finish(mut self) -> Result<Summary, Failure> {
        self.replace_existing()?;
        self.sink.finish().map_err(|e| self.io_failure(e))?;
        if let Store::File { journal: path, .. } = &self.store {
            journal::remove(path)?;
        }
        self.progress.finish();
        Ok(Summary {
            entries: self.sink.entries(),
            pages: self.pages,
            bytes: self.sink.bytes(),
            repeats: self.repeats,
            elapsed: self.started.elapsed(),
        })
    }

    /// Records what is safe, and says so with the command that continues. A
    /// run that wrote nothing leaves nothing behind.
    fn fail(&mut self, failure: Failure) -> Failure {
        self.progress.finish();
        if !self.mid_page && self.sink.started() {
            // At a page boundary: count every complete page. If this fails
            // too, the journal as last saved still holds.
            let _ = self.commit();
        }
        if self.saved.entries == 0 && self.saved.bytes == 0 {
            return match self.clean_up() {
                Ok(()) => failure.with_hint(
                    "Nothing was written, and nothing was left behind: run the same command again."
                        .into(),
                ),
                Err(cleanup) => {
                    failure.with_hint(format!("Cleaning up also failed: {}", cleanup.report()))
                }
            };
        }
        let hint = self.resume_hint();
        failure.with_hint(hint)
    }

    /// Undoes a start that wrote nothing durable: the journal goes, and the
    /// file too if the export created it (else it is cut back to empty, as it
    /// was, unless `--overwrite` already replaced it).
    fn clean_up(&mut self) -> Result<(), Failure> {
        let Store::File {
            output,
            journal: journal_path,
        } = &self.store
        else {
            return Ok(());
        };
        if self.journal.created_file {
            match std::fs::remove_file(output) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Failure::io(output, e)),
            }
        } else if self.sink.started() {
            self.sink
                .discard_existing()
                .map_err(|e| Failure::io(output, e))?;
        }
        journal::remove(journal_path)
    }

    fn resume_hint(&self) -> String {
        let written = self.saved.entries;
        let plan = &self.journal.plan;
        match &self.store {
            Store::File { output, .. } => {
                let at = match &plan.resume.cursor {
                    Some(c) => format!(
                        " It stopped at cursor {} (entry {} of that page).",
                        arize_audit_logs::escape_control(c),
                        plan.resume.skip
                    ),
                    None => String::new(),
                };
                format!(
                    "{written} entries are safely in {}.{at} To continue exactly where it stopped \
                     (same host, key source, filters and format, from its journal), run:\n  \
                     arize-audit-logs export --output {} --resume",
                    output.display(),
                    shell_quote(&output.display().to_string())
                )
            }
            Store::Stdout if plan.windows.len() > 1 || plan.workers > 1 => format!(
                "{written} entries were written to stdout. A parallel export to stdout cannot be \
                 resumed; export to a file with --output to make it resumable."
            ),
            Store::Stdout => match plan.windows.first() {
                None => format!("{written} entries were written to stdout."),
                Some(window) => format!(
                    "{written} entries were written to stdout. To fetch the rest, run:\n  {}",
                    self.stdout_command(window)
                ),
            },
        }
    }

    /// The command that continues a stdout export where it stopped.
    fn stdout_command(&self, window: &Window) -> String {
        let j = &self.journal;
        let mut cmd = format!(
            "arize-audit-logs export --base-url {}",
            shell_quote(&j.target.base_url)
        );
        if let KeySource::File { path } = &j.target.key {
            cmd += &format!(
                " --api-key-file {}",
                shell_quote(&path.display().to_string())
            );
        }
        let mut params = j.filters.clone();
        params.start_time = Some(window.start);
        params.end_time = Some(window.end);
        cmd += &crate::filters::as_flags(&params);
        cmd += &format!(" --format {} --page-size {}", j.format.name(), j.page_size);
        if let Until::Entries { max } = j.until {
            cmd += &format!(" --max-entries {}", max.saturating_sub(self.saved.entries));
        }
        if let Some(c) = &j.plan.resume.cursor {
            cmd += &format!(" --cursor {} --skip {}", shell_quote(c), j.plan.resume.skip);
        }
        cmd
    }

    fn io_failure(&self, e: io::Error) -> Failure {
        match &self.store {
            Store::File { output, .. } => Failure::io(output, e),
            Store::Stdout => Failure::io(std::path::Path::new("stdout"), e),
        }
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
