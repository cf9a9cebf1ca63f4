//! The one export loop, for sequential, `--parallel` and `--follow` exports
//! alike: fetch → check → write → sync → digest (`--digests`) → journal →
//! progress.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use arize_audit_logs::{Client, RawAuditLog, ResumePoint};
use chrono::{DateTime, Utc};

use crate::{
    check::Checked,
    conformance::Breaks,
    hooks,
    journal::{Journal, Plan, Until, Written},
    lookback::ServerClock,
    observer::{Observer, Progress},
    parallel,
    resume::Resume,
    sink::{Durable, Sink},
    stop::{self, Stop, StopHandle, StopReason},
    store::Store,
    Error, ErrorKind, Order,
};

/// How a pipeline runs, beside what it moves.
pub(crate) struct Options {
    /// What stops it.
    pub stop: StopHandle,
    /// The journal was created by this run (not loaded to continue): a run
    /// that leaves nothing durable removes it again.
    pub fresh: bool,
    /// Told what the run does.
    pub observer: Arc<dyn Observer>,
}

/// What a finished (or cleanly stopped) run did. The counts are the
/// archive's in all, earlier runs it continues included.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Summary {
    /// Entries written in all.
    pub entries: u64,
    /// Pages fetched in all.
    pub pages: u64,
    /// Bytes of the output in all (a bucket: of the lines before gzip).
    pub bytes: u64,
    /// Entries the server sent again on a later page, written once.
    pub repeats: u64,
    /// Entries the look-back of a followed archive found (see
    /// [`crate::lookback`]).
    pub late: u64,
    /// How long this run took.
    pub elapsed: Duration,
    /// A followed archive stopped with [`StopReason::Terminate`]: its state
    /// is saved, and the same request continues it.
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
    store: Box<dyn Store>,
    stop: Stop,
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
}

impl<W: Durable> Pipeline<W> {
    pub(crate) fn new(
        client: Client,
        journal: Journal,
        mut sink: Sink<W>,
        mut store: Box<dyn Store>,
        options: Options,
    ) -> Self {
        let Options {
            stop,
            fresh,
            observer,
        } = options;
        store.begin(&journal, &mut sink);
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
            fresh,
            observer,
            oldest: None,
            last_save: Instant::now(),
            started: Instant::now(),
            mid_page: false,
        }
    }

    pub async fn run(mut self) -> Result<Summary, Error> {
        hooks::pause("started");
        if let Until::Follow { interval_ms, .. } = &self.journal.until {
            self.observer.following(Duration::from_millis(*interval_ms));
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
                    .check(delivery.entries, delivery.cursor.as_deref())?;
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
                self.store.page_fetched();
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
                if self
                    .store
                    .commit_due(&self.journal, self.last_save.elapsed())
                {
                    self.commit().await?;
                } else {
                    self.store.between_commits(&mut self.sink);
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
            .map_err(|e| self.store.io_error(e))?;
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

    /// With `--overwrite`, the old content goes when the first entries come.
    fn replace_existing(&mut self) -> Result<(), Error> {
        if self.journal.replaces_existing && !self.sink.started() {
            self.sink
                .discard_existing()
                .map_err(|e| self.store.io_error(e))?;
            self.journal.replaces_existing = false;
        }
        Ok(())
    }

    /// Makes what is written durable, then replaces the journal to count it.
    async fn commit(&mut self) -> Result<(), Error> {
        self.commit_or_hold(false).await
    }

    /// [`Self::commit`]; at the end of a poll (`poll`), a bucket's batch may
    /// be held in the journal instead of stored.
    async fn commit_or_hold(&mut self, poll: bool) -> Result<(), Error> {
        self.last_save = Instant::now();
        self.store
            .store(&mut self.journal, &mut self.sink, poll)
            .await?;
        let mut written = self.sink.sync().map_err(|e| self.store.io_error(e))?;
        written.pages = self.pages;
        written.repeats = self.repeats;
        written.late = self.late;
        hooks::pause("data-synced");
        self.store.seal(&mut self.journal, written.bytes)?;
        if self.store.keeps_state() {
            self.journal.written = written.clone();
            self.store.save_state(&self.journal).await?;
            hooks::pause("journal-saved");
            if let Some(held) = self.store.saved(&self.journal) {
                self.observer.held(held);
            }
        }
        self.saved = written;
        self.saved_plan = self.journal.plan.clone();
        self.saved_oldest = self.oldest;
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
        if self.following() || self.store.commits_at_finish() {
            // Before the format's closing (a JSON array's `]`), which a
            // continued export cuts off again; and the last batch uploaded.
            self.commit().await?;
        }
        if keep_old {
            self.store.discard_digests();
        } else {
            self.sink.finish().map_err(|e| self.store.io_error(e))?;
            let bytes = self.sink.bytes();
            self.store.seal(&mut self.journal, bytes)?;
        }
        if !self.following() {
            self.store.remove_state().await?;
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
        let wrote_ahead = self.store.wrote_ahead();
        let untouched = self.saved.entries == 0
            && self.saved.bytes == 0
            && self.journal.range == self.journal.requested
            && !wrote_ahead
            && !kept_position;
        let clean = if self.fresh && untouched {
            let cleaned = self.store.clean_up(&self.journal, &mut self.sink).await;
            Some(cleaned.map_err(|e| e.to_string()))
        } else {
            None
        };
        failure.with_resume(self.resume(clean))
    }

    /// What is safe, as the state on disk (or in the store) says, not what
    /// was fetched since.
    fn resume(&self, clean: Option<Result<(), String>>) -> Resume {
        Resume {
            written: self.saved.entries,
            held: self.store.held(),
            output: self.store.location(),
            state: self.store.state_location(),
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
