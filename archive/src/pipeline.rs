//! The one export loop, for sequential, `--parallel` and `--follow` exports
//! alike: fetch → check → write → sync → digest (`--digests`) → journal →
//! progress.

use std::{
    io,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use arize_audit_logs::{Client, RawAuditLog, ResumePoint};
use chrono::{DateTime, Utc};

use crate::{
    bucket::batch,
    check::Checked,
    conformance::Breaks,
    digest::{self, keys::SigningKey, write::FileDigests, Content, Sealed, Unit},
    hooks,
    journal::{self, Journal, Plan, Until, Written},
    lookback::ServerClock,
    observer::{Observer, Progress},
    parallel,
    resume::{Location, Resume, StateLocation},
    sink::{Durable, Sink},
    stop::{self, Stop, StopHandle, StopReason},
    Error, ErrorKind, Order,
};

/// Where the export goes.
pub enum Store {
    /// A file with its journal (`FILE.checkpoint`, or `--state`).
    File { output: PathBuf, journal: PathBuf },
    /// Standard output, with its state when `--state` names one; without, a
    /// failure prints the command that fetches the rest.
    Stdout { state: Option<PathBuf> },
    /// Objects in a bucket, uploaded a batch at a time, with the state that
    /// `--state` names, else the state kept in the bucket's prefix.
    Bucket {
        state: Option<PathBuf>,
        uploader: Box<dyn Uploader>,
    },
}

impl Store {
    /// Where the journal is kept, if anywhere.
    fn journal(&self) -> Option<&Path> {
        match self {
            Self::File { journal, .. } => Some(journal),
            Self::Stdout { state } => state.as_deref(),
            Self::Bucket { state, .. } => state.as_deref(),
        }
    }

    /// Whether the export keeps a journal (anywhere).
    fn keeps_state(&self) -> bool {
        matches!(self, Self::Bucket { .. }) || self.journal().is_some()
    }

    /// Saves the journal where the store keeps it.
    async fn save(&mut self, journal: &Journal) -> Result<(), Error> {
        match self {
            Self::Bucket {
                state: None,
                uploader,
            } => uploader.save_state(journal).await,
            store => match store.journal() {
                Some(path) => journal::save(journal, path),
                None => Ok(()),
            },
        }
    }

    /// Removes the journal (the export is finished, or wrote nothing).
    async fn remove_journal(&mut self) -> Result<(), Error> {
        match self {
            Self::Bucket {
                state: None,
                uploader,
            } => uploader.remove_state().await,
            store => match store.journal() {
                Some(path) => journal::remove(path),
                None => Ok(()),
            },
        }
    }
}

/// Stores batches of JSON Lines elsewhere (object storage).
///
/// A batch is whole pages, and always the same pages for the same starting
/// point: its size is written ahead in the journal (`pending_pages`) before
/// it is uploaded, so a run that continues after a crash cuts the same batch
/// again and uploads the same objects under the same names, replacing
/// rather than duplicating them.
pub trait Uploader: Send {
    /// Stores `lines` durably; `Ok` only once they are, with the objects
    /// they were stored as.
    fn upload<'a>(
        &'a mut self,
        lines: &'a [u8],
    ) -> futures::future::BoxFuture<'a, Result<Vec<(Unit, Content)>, Error>>;
    /// Stores a digest of the archive's chain (replacing one of the same
    /// sequence: the same batch stored again after a crash).
    fn store_digest<'a>(
        &'a mut self,
        digest: &'a Sealed,
    ) -> futures::future::BoxFuture<'a, Result<(), Error>>;
    /// The last digest of the archive's chain, if it has one.
    fn digest_head(&mut self) -> futures::future::BoxFuture<'_, Result<Option<Sealed>, Error>>;
    /// Where the batches go, for messages (`s3://bucket/prefix/`).
    fn location(&self) -> String;
    /// Saves the export's state in the store itself (an export without
    /// `--state`), on the condition that no one else changed it.
    fn save_state<'a>(
        &'a mut self,
        _journal: &'a Journal,
    ) -> futures::future::BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Err(Error::storage("this store keeps no state")) })
    }
    /// Where the store keeps the export's state (see [`Uploader::save_state`]).
    fn state_location(&self) -> String {
        self.location()
    }
    /// Removes the state kept in the store (see [`Uploader::save_state`]).
    fn remove_state(&mut self) -> futures::future::BoxFuture<'_, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }
    /// The format of the lines it is given, told before the first batch
    /// (a bucket records it in its manifests).
    fn lines_are(&mut self, _format: crate::Format) {}
}

/// How a pipeline runs, beside what it moves.
pub struct Options {
    /// The signals that stop it.
    pub stop: StopHandle,
    /// How often the journal is brought up to date (zero: after every page).
    pub checkpoint_every: Duration,
    /// The journal was created by this run (not loaded to continue): a run
    /// that leaves nothing durable removes it again.
    pub fresh: bool,
    pub observer: Arc<dyn Observer>,
    /// Pages in one batch for object storage, unless a pass ends first.
    pub batch_pages: u64,
    /// Digests of what is written (`--digests`), their chain in the journal.
    pub digests: Option<Digests>,
    /// Following into object storage: how long a poll's batch may be held
    /// in the state before it is stored (`--batch-interval`; `None`: every
    /// poll is stored).
    pub batch_interval: Option<batch::Interval>,
}

/// How digests are written: signed with `key`, and for a file archive into
/// `file`.
pub struct Digests {
    pub key: Option<SigningKey>,
    pub file: Option<FileDigests>,
}

/// What a finished export did.
pub struct Summary {
    pub entries: u64,
    pub pages: u64,
    pub bytes: u64,
    /// Entries the server sent again on a later page, written once.
    pub repeats: u64,
    /// Entries the look-back of `--follow` found (see [`crate::lookback`]).
    pub late: u64,
    pub elapsed: Duration,
    /// A followed export stopped by SIGTERM: its state is saved, and the
    /// same command continues it.
    pub stopped: Option<StopReason>,
    /// Entries this run wrote, as sent, that break the document.
    pub breaks: Breaks,
}

pub struct Pipeline<W: Durable> {
    client: Client,
    journal: Journal,
    /// What the journal on disk vouches for.
    saved: Written,
    /// Where the journal on disk continues from (with `saved`, what every
    /// message about continuing quotes), and the oldest entry written then.
    saved_plan: Plan,
    saved_oldest: Option<DateTime<Utc>>,
    sink: Sink<W>,
    store: Store,
    stop: Stop,
    checkpoint_every: Duration,
    fresh: bool,
    observer: Arc<dyn Observer>,
    /// The oldest `created_at` written (pages come newest first), for the
    /// progress line.
    oldest: Option<DateTime<Utc>>,
    last_save: Instant,
    started: Instant,
    pages: u64,
    repeats: u64,
    /// Entries found by the look-back, in all (kept in the journal).
    late: u64,
    /// The server's clock, from its answers: a followed export's polls end
    /// at its `now`.
    clock: ServerClock,
    /// A page is partly written: the file is ahead of the plan, so the
    /// journal must not be saved until the page is complete.
    mid_page: bool,
    /// Pages fetched since the last commit (object storage's batch).
    batch_pages: u64,
    /// Pages in a batch, unless the journal's pending batch says otherwise.
    batch_limit: u64,
    /// The journal as last saved (object storage writes its batch size
    /// ahead into it).
    saved_journal: Option<Journal>,
    /// Bytes written when background writeback was last started, and that
    /// writeback while it runs.
    writeback_at: u64,
    writeback: Option<tokio::task::JoinHandle<()>>,
    digests: Option<Digests>,
    batch_interval: Option<batch::Interval>,
}

/// Start writing a file back to disk in the background every this many
/// bytes, so the sync that ends the export has little left to do. It only
/// saves time; the journal's order does not depend on it.
const WRITEBACK_EVERY: u64 = 4 << 20;

impl<W: Durable> Pipeline<W> {
    pub fn new(
        client: Client,
        journal: Journal,
        mut sink: Sink<W>,
        store: Store,
        options: Options,
    ) -> Self {
        let Options {
            stop,
            checkpoint_every,
            fresh,
            observer,
            batch_pages: batch_limit,
            digests,
            batch_interval,
        } = options;
        if let (Store::Bucket { .. }, Some(held)) = (&store, &journal.held) {
            // Counted in `written` already: they lead the next batch.
            sink.restore_batch(held.lines.clone().into_bytes());
        }
        Self {
            client,
            saved: journal.written.clone(),
            saved_plan: journal.plan.clone(),
            saved_oldest: None,
            pages: journal.written.pages,
            repeats: journal.written.repeats,
            late: journal.written.late,
            clock: ServerClock::default(),
            journal,
            sink,
            store,
            stop: stop.watch(),
            checkpoint_every,
            fresh,
            observer,
            oldest: None,
            last_save: Instant::now(),
            started: Instant::now(),
            mid_page: false,
            batch_pages: 0,
            batch_limit,
            saved_journal: None,
            writeback_at: 0,
            writeback: None,
            digests,
            batch_interval,
        }
    }

    pub async fn run(mut self) -> Result<Summary, Error> {
        hooks::pause("started");
        if let Until::Follow { interval_ms, .. } = &self.journal.until {
            self.observer.following(Duration::from_millis(*interval_ms));
        }
        if matches!(self.store, Store::Bucket { .. }) {
            self.saved_journal = Some(self.journal.clone());
        }
        let result = match self.passes().await {
            Ok(stopped) => self.finish(stopped).await,
            Err(failure) => Err(failure),
        };
        match result {
            Ok(summary) => Ok(summary),
            // The final flush too: a full disk there says what is safe.
            Err(failure) => Err(self.fail(failure).await),
        }
    }

    /// Runs passes until the range is done, or, following, until a signal:
    /// SIGTERM is a normal stop of a followed export (`Ok` with it), SIGINT
    /// an interruption.
    async fn passes(&mut self) -> Result<Option<StopReason>, Error> {
        if self.journal.pending_pages == Some(0) {
            // Held lines alone were being stored when the last run ended:
            // the same batch again, before anything is fetched.
            self.commit().await?;
        }
        loop {
            match self.pass().await {
                Ok(()) => {}
                Err(e)
                    if e.kind() == ErrorKind::Stopped(StopReason::Terminate)
                        && self.following() =>
                {
                    return Ok(Some(StopReason::Terminate))
                }
                Err(failure) => return Err(failure),
            }
            match self.next_follow_range().await? {
                Next::Pass => {}
                Next::Done => return Ok(None),
                Next::Stopped(signal) => return Ok(Some(signal)),
            }
        }
    }

    fn following(&self) -> bool {
        matches!(self.journal.until, Until::Follow { .. })
    }

    /// Fetches and writes every window left in the plan.
    async fn pass(&mut self) -> Result<(), Error> {
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
            while let Some(item) = unless_stopped(&mut stop, rx.recv()).await? {
                let delivery = item.map_err(Error::from)?;
                if let Some(date) = delivery.date {
                    self.clock.observe(date);
                }
                let checked = self
                    .journal
                    .guard
                    .check(delivery.entries, delivery.cursor.as_deref())
                    .map_err(Error::from)?;
                let newest = checked.entries.first().map(RawAuditLog::created_at);
                let before = self.sink.entries();
                let breaks_before = self.sink.breaks().count;
                let late = match &self.journal.until {
                    Until::Follow { lookback, .. } => lookback.found(&checked.entries),
                    _ => 0,
                };
                let capped = self.write(checked)?;
                self.report_breaks(breaks_before);
                if late > 0 {
                    self.late += late;
                    tracing::warn!(
                        entries = late,
                        total = self.late,
                        "found by the look-back: entries that became visible only after an \
                         earlier poll had covered their created_at; each was written once"
                    );
                    self.observer.late(late);
                }
                self.batch_pages += 1;
                self.observer.page(self.sink.entries() - before, newest);
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
                if self.commit_due() {
                    self.commit().await?;
                } else {
                    self.start_writeback();
                }
                self.observer.progress(&Progress {
                    entries: self.sink.entries(),
                    pages: self.pages,
                    range: (self.journal.range.start, self.journal.range.end),
                    oldest: self.oldest,
                });
            }
            index += 1;
            self.journal.plan.windows = fetch.remaining(index);
            self.journal.plan.resume = ResumePoint::default();
        }
        Ok(())
    }

    /// Writes a checked page; `true` when `--max-entries` is reached.
    fn write(&mut self, checked: Checked) -> Result<bool, Error> {
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
        let Some(oldest) = entries.last() else {
            return Ok(capped);
        };
        self.oldest = Some(oldest.created_at());
        if self.journal.order == Order::OldestFirst {
            entries.reverse();
        }
        self.mid_page = true;
        self.replace_existing()?;
        self.sink
            .write_page(&entries)
            .map_err(|e| self.io_failure(e))?;
        if let Until::Follow { lookback, .. } = &mut self.journal.until {
            lookback.record(&entries, self.journal.range.end);
        }
        Ok(capped)
    }

    /// Warns about the entries of the page just written that break the
    /// document (and counts them in the metrics): as they come, so a
    /// followed export's logs say so the day it happens.
    fn report_breaks(&self, before: u64) {
        let new = self.sink.breaks().since(before);
        if new.count == 0 {
            return;
        }
        self.observer.breaks(new.count, &new.describe());
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
    fn replace_existing(&mut self) -> Result<(), Error> {
        if self.journal.replaces_existing && !self.sink.started() {
            self.sink
                .discard_existing()
                .map_err(|e| self.io_failure(e))?;
            self.journal.replaces_existing = false;
        }
        Ok(())
    }

    /// Whether a commit is due after a page: by time for a file or stdout,
    /// by whole batches for object storage.
    fn commit_due(&self) -> bool {
        match self.store {
            Store::Bucket { .. } => {
                self.batch_pages
                    >= self.journal.pending_pages.unwrap_or_else(|| {
                        batch::room(self.batch_limit, self.journal.held.as_ref())
                    })
            }
            _ => self.last_save.elapsed() >= self.checkpoint_every,
        }
    }

    /// Uploads the batch gathered for object storage, its size written
    /// ahead into the journal first. A failed upload keeps the batch, so the
    /// journal is never saved past what is stored.
    async fn upload_batch(&mut self) -> Result<(), Error> {
        let Store::Bucket { state, uploader } = &mut self.store else {
            return Ok(());
        };
        if let Some(saved) = &mut self.saved_journal {
            // Lines held in the state lead the batch: written ahead even
            // when they go alone (no pages after them).
            if (self.batch_pages > 0 || saved.held.is_some())
                && saved.pending_pages != Some(self.batch_pages)
            {
                // Recorded as saved only once it is.
                let mut ahead = saved.clone();
                ahead.pending_pages = Some(self.batch_pages);
                match state {
                    Some(path) => journal::save(&ahead, path)?,
                    None => uploader.save_state(&ahead).await?,
                }
                *saved = ahead;
            }
        }
        // Taken once written ahead: a failure before keeps it in the sink.
        let Some(mut batch) = self.sink.take_batch() else {
            return Ok(());
        };
        if self
            .saved_journal
            .as_ref()
            .is_some_and(|j| j.held.is_some())
        {
            batch = match batch::in_order(&batch, self.journal.order) {
                Ok(sorted) => sorted,
                Err(failure) => {
                    self.sink.restore_batch(batch);
                    return Err(failure);
                }
            };
        }
        if !batch.is_empty() {
            let units = match uploader.upload(&batch).await {
                Ok(units) => units,
                Err(failure) => {
                    self.sink.restore_batch(batch);
                    return Err(failure);
                }
            };
            // A digest for each stored object, once it is stored. If one fails,
            // the batch is kept and the chain set back: the next attempt
            // stores the same objects and digests under the same names.
            if let (Some(digests), Some(chain)) = (&self.digests, &mut self.journal.digests) {
                let before = chain.clone();
                for (unit, content) in units {
                    let sealed = chain.next_digest(
                        unit,
                        content,
                        &self.journal.filters,
                        digests.key.as_ref(),
                    );
                    if let Err(failure) = uploader.store_digest(&sealed).await {
                        *chain = before;
                        self.sink.restore_batch(batch);
                        return Err(failure);
                    }
                }
            }
        }
        self.batch_pages = 0;
        self.journal.pending_pages = None;
        self.journal.held = None;
        Ok(())
    }

    /// `--batch-interval`, at the end of a poll: holds the batch in the
    /// journal instead of storing it, unless it is due (see
    /// [`crate::bucket::batch`]). A batch written ahead is stored as cut.
    fn hold_batch(&mut self) -> Result<bool, Error> {
        let Some(interval) = &self.batch_interval else {
            return Ok(false);
        };
        if self.journal.pending_pages.is_some() {
            return Ok(false);
        }
        let Some(lines) = self.sink.take_batch() else {
            return Ok(false);
        };
        let decided = interval.decide(
            &lines,
            self.journal.held.as_ref(),
            self.batch_pages,
            Utc::now(),
        );
        self.sink.restore_batch(lines);
        match decided? {
            batch::Decision::Hold(held) => {
                self.journal.held = Some(held);
                self.batch_pages = 0;
                Ok(true)
            }
            batch::Decision::Store => Ok(false),
        }
    }

    /// Makes what is written durable, then replaces the journal to count it.
    async fn commit(&mut self) -> Result<(), Error> {
        self.commit_or_hold(false).await
    }

    /// [`Self::commit`]; at the end of a poll (`poll`), a bucket's batch may
    /// be held in the journal instead of stored (`--batch-interval`).
    async fn commit_or_hold(&mut self, poll: bool) -> Result<(), Error> {
        self.last_save = Instant::now();
        if !(poll && self.hold_batch()?) {
            self.upload_batch().await?;
        }
        let mut written = self.sink.sync().map_err(|e| self.io_failure(e))?;
        written.pages = self.pages;
        written.repeats = self.repeats;
        written.late = self.late;
        hooks::pause("data-synced");
        self.seal_file(written.bytes)?;
        if self.store.keeps_state() {
            self.journal.written = written.clone();
            self.store.save(&self.journal).await?;
            hooks::pause("journal-saved");
            if self.saved_journal.is_some() {
                self.saved_journal = Some(self.journal.clone());
            }
            if let Store::Bucket { .. } = &self.store {
                self.observer
                    .held(self.journal.held.as_ref().map_or(0, batch::Held::entries));
            }
        }
        self.saved = written;
        self.saved_plan = self.journal.plan.clone();
        self.saved_oldest = self.oldest;
        Ok(())
    }

    /// Writes the digests of a file archive's bytes `covered..bytes`, which
    /// are durable; the journal saved next counts them.
    fn seal_file(&mut self, bytes: u64) -> Result<(), Error> {
        let (Some(digests), Some(chain), Store::File { output, .. }) =
            (&mut self.digests, &mut self.journal.digests, &self.store)
        else {
            return Ok(());
        };
        let Some(file) = &mut digests.file else {
            return Ok(());
        };
        while chain.covered < bytes {
            let Some((unit, content)) = digest::write::next_unit(output, chain.covered, bytes)?
            else {
                break;
            };
            // The chain moves on only once its digest is on disk.
            let mut next = chain.clone();
            next.covered += content.bytes;
            let sealed =
                next.next_digest(unit, content, &self.journal.filters, digests.key.as_ref());
            next.file_bytes = file.append(&sealed)?;
            *chain = next;
        }
        hooks::pause("digest-written");
        Ok(())
    }

    /// After a pass of `--follow`: waits for the interval, then moves the
    /// range on to the next poll, [server's now - look-back, server's now]
    /// (see [`crate::lookback`]). Done when not following; a signal while
    /// waiting stops it (SIGTERM cleanly, SIGINT as an interruption).
    async fn next_follow_range(&mut self) -> Result<Next, Error> {
        let Until::Follow { interval_ms, .. } = self.journal.until else {
            return Ok(Next::Done);
        };
        self.commit_or_hold(true).await?;
        self.observer.waiting(self.sink.entries(), self.pages);
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(interval_ms)) => {}
            signal = stop::stopped(&mut stop) => return match signal {
                StopReason::Terminate => Ok(Next::Stopped(signal)),
                StopReason::Interrupt => Err(Error::stopped(signal)),
            },
        }
        let old_end = self.journal.range.end;
        let now = self.clock.now().unwrap_or_else(Utc::now);
        let requested_start = self.journal.requested.start;
        let Until::Follow {
            at_end, lookback, ..
        } = &mut self.journal.until
        else {
            return Ok(Next::Done);
        };
        let (range, mut written) = lookback.next_poll(old_end, requested_start, now);
        // A journal from before the look-back kept only these.
        written.extend(std::mem::take(at_end));
        tracing::info!(
            start = %crate::timestamp(&range.start),
            end = %crate::timestamp(&range.end),
            skipped_ids = written.len(),
            "polling"
        );
        self.journal.guard.start_newer_pass(written);
        self.journal.range = range;
        self.journal.plan.windows = vec![self.journal.range];
        self.journal.plan.resume = ResumePoint::default();
        self.commit_or_hold(true).await?;
        Ok(Next::Pass)
    }

    /// Ends the export: a finished one removes its journal; a followed one
    /// is never finished, so a stop saves its state for the next run.
    async fn finish(&mut self, stopped: Option<StopReason>) -> Result<Summary, Error> {
        // `--overwrite` of a range with nothing in it: the old file stays as
        // it was (it is replaced only once the first entries arrive).
        let keep_old = self.journal.replaces_existing && !self.sink.started();
        if !keep_old {
            self.replace_existing()?;
        }
        if self.following() || matches!(self.store, Store::Bucket { .. }) {
            // Before the format's closing (a JSON array's `]`), which a
            // continued export cuts off again; and the last batch uploaded.
            self.commit().await?;
        }
        if keep_old {
            if let Some(Digests {
                file: Some(file), ..
            }) = &self.digests
            {
                file.remove_if_created();
            }
        } else {
            self.sink.finish().map_err(|e| self.io_failure(e))?;
            self.seal_file(self.sink.bytes())?;
        }
        if !self.following() {
            self.store.remove_journal().await?;
        }
        self.observer.done();
        Ok(Summary {
            entries: self.sink.entries(),
            pages: self.pages,
            bytes: self.sink.bytes(),
            repeats: self.repeats,
            late: self.late,
            elapsed: self.started.elapsed(),
            stopped,
            breaks: self.sink.breaks().clone(),
        })
    }

    /// Records what is safe, and says so with the command that continues. A
    /// run that wrote nothing leaves nothing behind.
    async fn fail(&mut self, failure: Error) -> Error {
        self.observer.done();
        // Pages were fetched past the first, entries or not (pages that
        // brought nothing new): that position is kept too.
        let moved = self.journal.plan.resume.cursor.is_some();
        let mut kept_position = false;
        if !self.mid_page && (self.sink.started() || moved) {
            // At a page boundary: count every complete page. If this fails
            // too, the journal as last saved still holds.
            kept_position = self.commit().await.is_ok() && moved;
        }
        // A batch written ahead may have reached the store in part: its
        // journal must stay, so the next run stores the same batch again.
        let wrote_ahead = self
            .saved_journal
            .as_ref()
            .is_some_and(|j| j.pending_pages.is_some());
        let untouched = self.saved.entries == 0
            && self.saved.bytes == 0
            && self.journal.range == self.journal.requested
            && !wrote_ahead
            && !kept_position;
        let clean = if self.fresh && untouched {
            Some(self.clean_up().await.map_err(|e| e.to_string()))
        } else {
            None
        };
        failure.with_resume(self.resume(clean))
    }

    /// What is safe, as the state on disk (or in the store) says, not what
    /// was fetched since.
    fn resume(&self, clean: Option<Result<(), String>>) -> Resume {
        let held = self
            .saved_journal
            .as_ref()
            .and_then(|j| j.held.as_ref())
            .map_or(0, batch::Held::entries);
        let (output, state) = match &self.store {
            Store::File { output, journal } => (
                Location::File(output.clone()),
                Some(StateLocation::File {
                    path: journal.clone(),
                    default: *journal == journal::path_for(output),
                }),
            ),
            Store::Bucket { state, uploader } => (
                Location::Bucket(uploader.location()),
                Some(state.as_ref().map_or_else(
                    || StateLocation::Prefix(uploader.state_location()),
                    |path| StateLocation::File {
                        path: path.clone(),
                        default: false,
                    },
                )),
            ),
            Store::Stdout { state } => (
                Location::Writer,
                state.as_ref().map(|path| StateLocation::File {
                    path: path.clone(),
                    default: false,
                }),
            ),
        };
        Resume {
            written: self.saved.entries,
            held,
            output,
            state,
            point: self.saved_plan.resume.clone(),
            remaining: self.saved_plan.windows.clone(),
            oldest: self.saved_oldest,
            parallel: self.saved_plan.windows.len() > 1 || self.saved_plan.workers > 1,
            clean,
            breaks: self.sink.breaks().clone(),
            target: self.journal.target.clone(),
            filters: self.journal.filters.clone(),
            format: self.journal.format,
            order: self.journal.order,
            page_size: self.journal.page_size,
            entries_left: match self.journal.until {
                Until::Entries { max } => Some(max.saturating_sub(self.saved.entries)),
                _ => None,
            },
        }
    }

    /// Undoes a start that wrote nothing durable: the journal goes, and the
    /// file too if the export created it (else it is cut back to empty, as it
    /// was, unless `--overwrite` already replaced it).
    async fn clean_up(&mut self) -> Result<(), Error> {
        let (output, journal_path) = match &self.store {
            Store::File { output, journal } => (output, journal),
            Store::Stdout { .. } | Store::Bucket { .. } => {
                return self.store.remove_journal().await
            }
        };
        if let Some(Digests {
            file: Some(file), ..
        }) = &self.digests
        {
            file.remove_if_created();
        }
        if self.journal.created_file {
            match std::fs::remove_file(output) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(output, e)),
            }
        } else if self.sink.started() {
            self.sink
                .discard_existing()
                .map_err(|e| Error::io(output, e))?;
        }
        journal::remove(journal_path)
    }

    fn io_failure(&self, e: io::Error) -> Error {
        match &self.store {
            Store::File { output, .. } => Error::io(output, e),
            Store::Stdout { .. } => Error::io(Path::new("stdout"), e),
            Store::Bucket { uploader, .. } => Error::io(Path::new(&uploader.location()), e),
        }
    }
}

/// What follows a pass.
enum Next {
    /// Another pass over the newer range.
    Pass,
    /// The export is done.
    Done,
    /// A signal stopped a followed export cleanly.
    Stopped(StopReason),
}

/// Waits for `future`, or fails with [`Error::Stopped`] on a signal. The
/// page being written is never cut: this only waits for the next one.
async fn unless_stopped<T>(
    stop: &mut Stop,
    future: impl std::future::Future<Output = T>,
) -> Result<T, Error> {
    tokio::select! {
        value = future => Ok(value),
        signal = stop::stopped(stop) => Err(Error::stopped(signal)),
    }
}
