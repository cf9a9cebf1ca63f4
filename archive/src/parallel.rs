//! The fetch stage of every export: the range as time windows, fetched by N
//! workers (`--parallel N`; one for a sequential export), delivered in
//! exactly the order a sequential export writes.
//!
//! Windows are taken newest first by N workers. The writer streams the head
//! window as its pages arrive and writes each later window only once every
//! newer one is complete, so the file is newest first. Both bounds of every
//! request are inclusive, so an entry whose `created_at` is exactly a window
//! boundary is returned by both neighbours: it belongs to the newer window
//! (where the boundary is the lower bound), and the older one drops it. Each
//! window buffers at most [`WINDOW_BUFFER`] pages, which bounds memory.
//!
//! Stragglers: when no window is left to start, an idle worker splits the
//! running window with the most entries left, estimated from the density it
//! has shown so far (entries delivered per millisecond covered; a window
//! split off and not yet answered is estimated at its parent's density, so
//! it can be split again at once). That window's worker stops at the
//! midpoint (between its lower bound and the oldest entry it has delivered),
//! and the older half becomes a new window, written right after it: each id
//! still comes once, in a sequential export's order. A window expected to
//! hold less than two pages more is not split (the split would cost more
//! requests than it saves). While a window has not answered its first page,
//! idle workers wait for it rather than split a smaller one; an idle worker
//! with nothing to split waits until a window shows progress or every window
//! is done.
//!
//! Rate limits: the client's shared gate holds every request for the wait a
//! 429 asks for. The engine's [`Limiter`] decides how many requests run at
//! once: each worker reports the 429s its own requests received (its page
//! stream's count, [`Pages::rate_limited`](arize_audit_logs::Pages::rate_limited)),
//! and each takes one request off the pool (down to one); a run of
//! successful pages gives one back.

use std::sync::{Arc, Mutex};

use arize_audit_logs::{Client, Error, ListAuditLogsParams, RawAuditLog, ResumePoint};
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, Notify, Semaphore, SemaphorePermit};

/// Windows per worker at the start. One: every window ends with a partial
/// page, and idle workers split running windows by the density they show, so
/// uneven windows balance without more of them.
pub const WINDOWS_PER_WORKER: usize = 1;
/// Pages a window may hold before its worker waits for the writer.
pub const WINDOW_BUFFER: usize = 64;
/// Successful pages after which one more concurrent request is allowed again.
const GROW_AFTER: u32 = 20;

/// One window: requested as `[start, end]` (both inclusive); entries older
/// than `cut` were split off into the next window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[serde(default)]
    pub cut: Option<DateTime<Utc>>,
}

impl Window {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            start,
            end,
            cut: None,
        }
    }

    /// The oldest instant this window still covers.
    fn lower(&self) -> DateTime<Utc> {
        self.cut.unwrap_or(self.start)
    }
}

/// Splits `[start, end]` into `count` windows on millisecond boundaries,
/// newest first.
pub fn plan(start: DateTime<Utc>, end: DateTime<Utc>, count: usize) -> Vec<Window> {
    let span_ms = (end - start).num_milliseconds();
    let count = i64::try_from(count)
        .unwrap_or(i64::MAX)
        .clamp(1, span_ms.max(1));
    let bound = |k: i64| -> DateTime<Utc> {
        if k == count {
            start
        } else {
            // i128: span × k may not fit in i64 for very long ranges.
            let offset = (i128::from(span_ms) * i128::from(k) / i128::from(count)) as i64;
            end - TimeDelta::milliseconds(offset)
        }
    };
    (0..count)
        .map(|k| Window::new(bound(k + 1), bound(k)))
        .collect()
}

/// What a window's channel carries: its pages, or the error that ended it.
pub type WindowItem = Result<Delivery, Error>;

/// One page of a window, as the writer gets it.
pub struct Delivery {
    /// The cursor that fetched the page (`None`: the window's first request).
    pub cursor: Option<String>,
    pub entries: Vec<RawAuditLog>,
    /// Where this window continues after the page (`None`: it is complete).
    pub resume: Option<ResumePoint>,
    /// The server's clock when it answered (its `Date` header).
    pub date: Option<DateTime<Utc>>,
}

/// The engine's rate limiter: how many requests may run at once. Each
/// worker reports the 429s its own requests received (its page stream's
/// count, never the client's, so no worker is charged for another's), and
/// each one takes a request off the pool, down to one; a run of
/// [`GROW_AFTER`] successful pages gives one back, up to the workers.
struct Limiter {
    permits: Semaphore,
    max: usize,
    state: Mutex<LimiterState>,
}

struct LimiterState {
    /// Requests allowed at once now.
    allowed: usize,
    /// Permits to forget as they come back: shrinks made while every permit
    /// was in use.
    owed: usize,
    /// Successful pages since the last 429 or growth.
    successes: u32,
    /// Every 429 the workers reported.
    reported: u64,
}

impl Limiter {
    fn new(max: usize) -> Self {
        let max = max.max(1);
        Self {
            permits: Semaphore::new(max),
            max,
            state: Mutex::new(LimiterState {
                allowed: max,
                owed: 0,
                successes: 0,
                reported: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a request slot; `None` once the limiter is closed.
    async fn acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.permits.acquire().await.ok()
    }

    /// Gives a slot back, or retires it when the pool shrank meanwhile.
    fn release(&self, permit: SemaphorePermit<'_>) {
        let mut state = self.state();
        if state.owed > 0 {
            state.owed -= 1;
            permit.forget();
        }
        // Otherwise dropped (returned) here, under the lock, so a shrink
        // either finds it free or sees it still out and owes it.
    }

    /// A worker's request received `own` 429s: one slot fewer for each.
    fn rate_limited(&self, own: u64) {
        if own == 0 {
            return;
        }
        let mut state = self.state();
        state.reported += own;
        state.successes = 0;
        for _ in 0..own {
            if state.allowed <= 1 {
                break;
            }
            state.allowed -= 1;
            if self.permits.forget_permits(1) == 0 {
                state.owed += 1;
            }
        }
    }

    /// A page arrived: after a run of them, one slot more.
    fn succeeded(&self) {
        let mut state = self.state();
        state.successes += 1;
        if state.successes >= GROW_AFTER {
            state.successes = 0;
            if state.allowed < self.max {
                state.allowed += 1;
                if state.owed > 0 {
                    state.owed -= 1;
                } else {
                    self.permits.add_permits(1);
                }
            }
        }
    }
}

/// The windows as the workers and the writer share them.
pub struct Plan {
    inner: Mutex<PlanInner>,
    /// The newest instant of the export: only the window ending there keeps
    /// entries on its upper bound.
    newest: Option<DateTime<Utc>>,
    /// Entries a page holds: a window is split only when it is expected to
    /// hold at least two more.
    page_size: u64,
    /// Wakes idle workers when a window makes progress or finishes.
    changed: Notify,
}

struct PlanInner {
    segments: Vec<Segment>,
    next_id: u64,
}

struct Segment {
    id: u64,
    window: Window,
    state: SegmentState,
    /// The oldest `created_at` delivered so far.
    progress: Option<DateTime<Utc>>,
    /// Entries delivered so far.
    delivered: u64,
    /// Whether a page of it has arrived.
    answered: bool,
    /// The density of the window it was split from (entries over the
    /// milliseconds they covered), its estimate until it shows its own.
    inherited: Option<Density>,
    tx: Option<mpsc::Sender<WindowItem>>,
    rx: Option<mpsc::Receiver<WindowItem>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SegmentState {
    Pending,
    Running,
    Done,
}

/// Entries seen over the milliseconds they covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Density {
    entries: u64,
    ms: i64,
}

impl Density {
    /// Entries expected in `ms` milliseconds at this density.
    fn over(self, ms: i64) -> u128 {
        let ms = u128::try_from(ms).unwrap_or(0);
        u128::from(self.entries) * ms / u128::try_from(self.ms.max(1)).unwrap_or(1)
    }
}

/// What is known of a running window's size.
enum Estimate {
    /// Its first page has not come: it may be the biggest.
    Unknown,
    /// About this many entries are left between where it stands and its
    /// lower bound (`left_ms` milliseconds).
    Left { entries: u128, left_ms: i64 },
}

impl Segment {
    /// Its own density once it has delivered entries, else its parent's.
    fn density(&self) -> Option<Density> {
        match self.progress {
            Some(progress) => Some(Density {
                entries: self.delivered,
                ms: (self.window.end - progress).num_milliseconds().max(1),
            }),
            None => self.inherited,
        }
    }

    fn estimate(&self) -> Estimate {
        let at = self.progress.unwrap_or(self.window.end);
        let left_ms = (at - self.window.lower()).num_milliseconds().max(0);
        match self.density() {
            Some(density) => Estimate::Left {
                entries: density.over(left_ms),
                left_ms,
            },
            // Answered without entries of its own (only its upper bound's).
            None if self.answered => Estimate::Left {
                entries: 0,
                left_ms,
            },
            None => Estimate::Unknown,
        }
    }

    fn new(id: u64, window: Window) -> Self {
        let (tx, rx) = mpsc::channel(WINDOW_BUFFER);
        Self {
            id,
            window,
            state: SegmentState::Pending,
            progress: None,
            delivered: 0,
            answered: false,
            inherited: None,
            tx: Some(tx),
            rx: Some(rx),
        }
    }
}

impl Plan {
    fn new(windows: &[Window], newest: Option<DateTime<Utc>>, page_size: u64) -> Self {
        Self {
            inner: Mutex::new(PlanInner {
                segments: (0u64..)
                    .zip(windows.iter().copied())
                    .map(|(id, w)| Segment::new(id, w))
                    .collect(),
                next_id: windows.len() as u64,
            }),
            newest,
            page_size,
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PlanInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The receiver of window `index` (in write order), once.
    pub fn receiver(&self, index: usize) -> Option<mpsc::Receiver<WindowItem>> {
        self.lock()
            .segments
            .get_mut(index)
            .and_then(|s| s.rx.take())
    }

    /// The windows from `index` on, for the checkpoint.
    pub fn remaining(&self, index: usize) -> Vec<Window> {
        self.lock()
            .segments
            .iter()
            .skip(index)
            .map(|s| s.window)
            .collect()
    }

    /// The next window to fetch: the first pending one, else a split of the
    /// running window with the most entries left. `Err(())` when every window
    /// is done or running and none is worth splitting yet.
    fn claim(&self) -> Result<Option<Claim>, ()> {
        let mut inner = self.lock();
        if let Some(i) = inner
            .segments
            .iter()
            .position(|s| s.state == SegmentState::Pending)
        {
            let segment = &mut inner.segments[i];
            segment.state = SegmentState::Running;
            return Ok(segment.tx.take().map(|tx| Claim {
                id: segment.id,
                first: i == 0,
                window: segment.window,
                tx,
            }));
        }
        if inner.segments.iter().all(|s| s.state == SegmentState::Done) {
            return Ok(None);
        }
        let min_left = u128::from(2 * self.page_size);
        let mut best: Option<(usize, u128, i64)> = None;
        for (i, segment) in inner.segments.iter().enumerate() {
            if segment.state != SegmentState::Running {
                continue;
            }
            match segment.estimate() {
                // A window whose size is still unknown may be the one to
                // split: wait for its first page rather than split a smaller
                // one (one request, and the split is not wasted on a
                // window that is about to be done).
                Estimate::Unknown => return Err(()),
                Estimate::Left { entries, left_ms } => {
                    if left_ms >= MIN_SPLIT_MS
                        && entries >= min_left
                        && best.is_none_or(|(_, most, _)| entries > most)
                    {
                        best = Some((i, entries, left_ms));
                    }
                }
            }
        }
        let Some((i, _, left_ms)) = best else {
            return Err(());
        };
        let parent = &inner.segments[i];
        let lower = parent.window.lower();
        let mid = lower + TimeDelta::milliseconds(left_ms / 2);
        let inherited = parent.density();
        inner.segments[i].window.cut = Some(mid);
        let id = inner.next_id;
        inner.next_id += 1;
        let mut split = Segment::new(id, Window::new(lower, mid));
        split.state = SegmentState::Running;
        split.inherited = inherited;
        let tx = split.tx.take();
        inner.segments.insert(i + 1, split);
        Ok(tx.map(|tx| Claim {
            id,
            first: false,
            window: Window::new(lower, mid),
            tx,
        }))
    }

    /// The next claim, waiting while windows run that cannot be split yet.
    /// `None` when every window is done.
    async fn next_claim(&self) -> Option<Claim> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before looking, so no change between the look and
            // the wait is missed.
            changed.as_mut().enable();
            match self.claim() {
                Ok(claim) => return claim,
                Err(()) => changed.await,
            }
        }
    }

    /// Keeps what window `index` may deliver of a page: entries at or above
    /// its cut (and off its upper bound unless it is the newest), recording
    /// progress. Runs under the plan's lock, so a split cannot come between
    /// the check and the record. `true` when the window reached its cut.
    fn admit(&self, id: u64, entries: &mut Vec<RawAuditLog>) -> bool {
        let mut inner = self.lock();
        let Some(segment) = inner.segments.iter_mut().find(|s| s.id == id) else {
            return true;
        };
        let (cut, window_end) = (segment.window.cut, segment.window.end);
        let owns_upper_bound = self.newest == Some(window_end);
        let before = entries.len();
        entries.retain(|e| cut.is_none_or(|c| e.created_at() >= c));
        let reached_cut = entries.len() < before;
        entries.retain(|e| owns_upper_bound || e.created_at() != window_end);
        if let Some(oldest) = entries.last().map(RawAuditLog::created_at) {
            segment.progress = Some(segment.progress.map_or(oldest, |p| p.min(oldest)));
        }
        segment.delivered += entries.len() as u64;
        segment.answered = true;
        drop(inner);
        self.changed.notify_waiters();
        reached_cut
    }

    fn finish(&self, id: u64) {
        let mut inner = self.lock();
        if let Some(segment) = inner.segments.iter_mut().find(|s| s.id == id) {
            segment.state = SegmentState::Done;
        }
        drop(inner);
        self.changed.notify_waiters();
    }
}

/// A window handed to a worker.
struct Claim {
    id: u64,
    /// Whether it is the window the export resumes in.
    first: bool,
    window: Window,
    tx: mpsc::Sender<WindowItem>,
}

/// The smallest span worth splitting off (a split costs at least one request).
const MIN_SPLIT_MS: i64 = 2;

/// Starts `workers` workers on `windows`; the first window resumes at
/// `first_resume`, and a single window stops after `max_entries`. The writer
/// takes the receivers from the returned plan in order; dropping them stops
/// the workers.
pub fn start(
    client: &Client,
    base: &ListAuditLogsParams,
    windows: &[Window],
    workers: usize,
    first_resume: ResumePoint,
    max_entries: Option<u64>,
) -> Arc<Plan> {
    launch(client, base, windows, workers, first_resume, max_entries)
        .plan
        .clone()
}

/// [`start`], keeping hold of what the workers share.
fn launch(
    client: &Client,
    base: &ListAuditLogsParams,
    windows: &[Window],
    workers: usize,
    first_resume: ResumePoint,
    max_entries: Option<u64>,
) -> Arc<Shared> {
    let plan = Arc::new(Plan::new(
        windows,
        base.end_time,
        u64::from(base.limit.unwrap_or(arize_audit_logs::DEFAULT_LIMIT)),
    ));
    let shared = Arc::new(Shared {
        client: client.clone(),
        base: base.clone(),
        plan,
        first_resume: Mutex::new(Some(first_resume)),
        limiter: Limiter::new(workers),
        max_entries: max_entries.filter(|_| windows.len() == 1),
    });
    for _ in 0..workers.max(1) {
        tokio::spawn(worker(shared.clone()));
    }
    shared
}

struct Shared {
    client: Client,
    base: ListAuditLogsParams,
    plan: Arc<Plan>,
    /// Where the first window resumes, taken by whichever worker starts it.
    first_resume: Mutex<Option<ResumePoint>>,
    limiter: Limiter,
    /// The cap of a single-window export.
    max_entries: Option<u64>,
}

async fn worker(shared: Arc<Shared>) {
    while let Some(Claim {
        id,
        first,
        window,
        tx,
    }) = shared.plan.next_claim().await
    {
        let resume = if first {
            shared
                .first_resume
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .unwrap_or_default()
        } else {
            ResumePoint::default()
        };
        let mut params = shared.base.clone();
        params.start_time = Some(window.start);
        params.end_time = Some(window.end);
        // One worker: request each next page while this one is decoded.
        // Several already overlap, and must stay within `workers`.
        let mut request = shared
            .client
            .list_audit_logs()
            .params(params)
            .resume(resume)
            .prefetch(shared.limiter.max == 1);
        if let Some(max) = shared.max_entries {
            request = request.max_entries(max);
        }
        let mut pages = request.raw_pages();
        loop {
            let cursor = pages.cursor().map(str::to_owned);
            let Some(permit) = shared.limiter.acquire().await else {
                return;
            };
            let limited_before = pages.rate_limited();
            let next = pages.next().await;
            shared.limiter.release(permit);
            // Only the 429s this worker's own requests received.
            shared
                .limiter
                .rate_limited(pages.rate_limited() - limited_before);
            let (delivery, last) = match next {
                None => break,
                Some(Err(error)) => {
                    let _ = tx.send(Err(error)).await;
                    return;
                }
                Some(Ok(page)) => {
                    shared.limiter.succeeded();
                    let date = page.date();
                    let mut entries = page.entries;
                    let reached_cut = shared.plan.admit(id, &mut entries);
                    let resume = if reached_cut {
                        None
                    } else {
                        pages.resume_point()
                    };
                    (
                        Delivery {
                            cursor,
                            entries,
                            resume,
                            date,
                        },
                        reached_cut,
                    )
                }
            };
            if tx.send(Ok(delivery)).await.is_err() {
                return; // the writer stopped
            }
            if last {
                break;
            }
        }
        shared.plan.finish(id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use arize_audit_logs::{
        mock::{Faults, MockConfig, MockServer},
        AuditLog, OperationType, RetryPolicy,
    };

    use super::*;

    fn ts(s: &str) -> DateTime<Utc> {
        s.parse().expect("ts")
    }

    #[test]
    fn windows_tile_the_range_newest_first_on_millisecond_bounds() {
        let (start, end) = (ts("2026-05-01T00:00:00Z"), ts("2026-05-01T00:00:10.001Z"));
        let windows = plan(start, end, 4);
        assert_eq!(windows.len(), 4);
        assert_eq!(windows[0].end, end);
        assert_eq!(windows[3].start, start);
        for pair in windows.windows(2) {
            assert_eq!(pair[0].start, pair[1].end, "adjacent windows share a bound");
            assert!(pair[0].start < pair[0].end);
        }
        assert!(windows
            .iter()
            .all(|w| w.start.timestamp_subsec_nanos() % 1_000_000 == 0
                && w.end.timestamp_subsec_nanos() % 1_000_000 == 0));
    }

    #[test]
    fn each_429_a_worker_reports_takes_one_request_off_the_pool_and_successes_give_it_back() {
        let limiter = Limiter::new(8);
        limiter.rate_limited(0);
        assert_eq!(limiter.permits.available_permits(), 8);
        limiter.rate_limited(1);
        assert_eq!(limiter.permits.available_permits(), 7, "one 429, one fewer");
        limiter.rate_limited(2);
        assert_eq!(
            limiter.permits.available_permits(),
            5,
            "two 429s, two fewer"
        );
        for _ in 1..GROW_AFTER {
            limiter.succeeded();
        }
        assert_eq!(limiter.permits.available_permits(), 5, "not yet");
        limiter.succeeded();
        assert_eq!(limiter.permits.available_permits(), 6, "a run of successes");
        limiter.rate_limited(100);
        assert_eq!(limiter.permits.available_permits(), 1, "never below one");
        for _ in 0..20 * GROW_AFTER {
            limiter.succeeded();
        }
        assert_eq!(
            limiter.permits.available_permits(),
            8,
            "never above the workers"
        );
        assert_eq!(limiter.state().reported, 103);
    }

    #[test]
    fn a_shrink_while_every_request_is_out_retires_a_slot_as_it_comes_back() {
        let limiter = Limiter::new(3);
        let out: Vec<_> = (0..3)
            .map(|_| limiter.permits.try_acquire().expect("free"))
            .collect();
        limiter.rate_limited(1);
        for permit in out {
            limiter.release(permit);
        }
        assert_eq!(limiter.permits.available_permits(), 2);
        assert_eq!(limiter.state().allowed, 2);
    }

    /// Runs `workers` workers over `windows` of `server`, and reads every
    /// window in order as the writer does: the ids, and how many pages came.
    async fn drain(
        client: &Client,
        range: (DateTime<Utc>, DateTime<Utc>),
        page_size: u32,
        windows: &[Window],
        workers: usize,
    ) -> (Arc<Shared>, Vec<String>, u64) {
        let mut base = ListAuditLogsParams::default();
        base.start_time = Some(range.0);
        base.end_time = Some(range.1);
        base.limit = Some(page_size);
        let shared = launch(
            client,
            &base,
            windows,
            workers,
            ResumePoint::default(),
            None,
        );
        let (mut ids, mut pages) = (Vec::new(), 0);
        let mut index = 0;
        while let Some(mut rx) = shared.plan.receiver(index) {
            while let Some(item) = rx.recv().await {
                let delivery = item.expect("page");
                pages += 1;
                ids.extend(delivery.entries.iter().map(|e| e.id().to_owned()));
            }
            index += 1;
        }
        (shared, ids, pages)
    }

    /// The ids a sequential export of `range` writes: newest first.
    fn expected_ids(server: &MockServer, range: (DateTime<Utc>, DateTime<Utc>)) -> Vec<String> {
        server
            .entries()
            .into_iter()
            .filter(|e| (range.0..=range.1).contains(&e.created_at))
            .map(|e| e.id.clone())
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_429_is_counted_once_by_the_worker_whose_request_received_it() {
        let end = ts("2026-05-18T00:00:00Z");
        let server = MockServer::start(
            MockConfig::default()
                .entries(600)
                .end(end)
                .span(TimeDelta::hours(1))
                .faults(
                    Faults::none()
                        .latency(Duration::from_millis(5))
                        .rate_limit(0.25, None),
                ),
        )
        .await
        .expect("server");
        let client = server
            .client_builder()
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(40)
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(2))
                    .jitter(false),
            )
            .build()
            .expect("client");
        let range = (end - TimeDelta::hours(1), end);
        let (shared, ids, pages) = drain(&client, range, 10, &plan(range.0, range.1, 8), 8).await;
        assert_eq!(ids, expected_ids(&server, range), "every id once, in order");
        // Every request the server answered is a page or a 429.
        let sent = server.requests() - pages;
        assert!(sent > 0, "the server rate-limited some requests");
        // Another worker's 429s, which the client's shared gate made every
        // worker wait out, were not charged to it as well.
        assert_eq!(shared.limiter.state().reported, sent);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_dense_window_is_shared_by_the_idle_workers_and_every_id_arrives_once_in_order() {
        // 600 entries in the newest 6 s of a 100 s range: all in the first
        // of 4 windows, which would take its one worker 60 pages alone.
        let end = ts("2026-05-18T00:00:00Z");
        let server = MockServer::start(
            MockConfig::default()
                .entries(0)
                .faults(Faults::none().latency(Duration::from_millis(2))),
        )
        .await
        .expect("server");
        server.add_entries((0..600).map(|k| {
            AuditLog::new(
                format!("dense-{k:03}"),
                "VXNlcjox",
                "192.0.2.1",
                OperationType::Query,
                end - TimeDelta::milliseconds(10 * k),
            )
        }));
        let range = (end - TimeDelta::seconds(100), end);
        let client = server.client().expect("client");
        let (shared, ids, _) = drain(&client, range, 10, &plan(range.0, range.1, 4), 4).await;
        assert_eq!(ids, expected_ids(&server, range), "every id once, in order");
        let sharing = shared
            .plan
            .lock()
            .segments
            .iter()
            .filter(|s| s.delivered > 0)
            .count();
        assert!(
            sharing >= 3,
            "the dense window was fetched by {sharing} windows"
        );
    }

    #[test]
    fn tiny_ranges_get_fewer_windows() {
        let t = ts("2026-05-01T00:00:00Z");
        assert_eq!(plan(t, t, 8), vec![Window::new(t, t)]);
        assert_eq!(plan(t, t + TimeDelta::milliseconds(2), 8).len(), 2);
    }
}

#[cfg(test)]
mod scheduling_tests {
    use super::*;

    fn ts(s: &str) -> DateTime<Utc> {
        s.parse().expect("ts")
    }

    fn plan_of(windows: &[Window], page_size: u64) -> Plan {
        Plan::new(windows, windows.first().map(|w| w.end), page_size)
    }

    fn entries(times: &[&str]) -> Vec<RawAuditLog> {
        times
            .iter()
            .enumerate()
            .map(|(i, t)| {
                serde_json::from_str(&format!(
                    r#"{{"id":"e{i}","user_id":"u","user_email":"u@example.com","operation_type":"QUERY","operation_name":"q","operation_text":null,"variables":null,"created_at":"{t}"}}"#
                ))
                .expect("entry")
            })
            .collect()
    }

    #[test]
    fn an_idle_worker_waits_for_a_running_window_instead_of_quitting() {
        let (start, end) = (ts("2026-05-01T00:00:00Z"), ts("2026-05-11T00:00:00Z"));
        let plan = plan_of(&plan(start, end, 2), 2);
        let first = plan.claim().expect("claimable").expect("window 0");
        let second = plan.claim().expect("claimable").expect("window 1");
        // Window 1 was empty; window 0 has shown nothing yet: nothing to
        // split, but the export is not over.
        plan.finish(second.id);
        assert!(plan.claim().is_err(), "wait, do not quit");
        // Window 0 delivers a page covering its newest day: nine days left
        // at that density is far more than two pages, so it is split.
        let mut page = entries(&["2026-05-11T00:00:00Z", "2026-05-10T00:00:00Z"]);
        assert!(!plan.admit(first.id, &mut page));
        let split = plan.claim().expect("claimable").expect("a split");
        assert_eq!(
            split.window.end.date_naive(),
            ts("2026-05-08T00:00:00Z").date_naive()
        );
        plan.finish(first.id);
        plan.finish(split.id);
        assert!(matches!(plan.claim(), Ok(None)), "every window is done");
    }

    #[test]
    fn an_idle_worker_waits_for_every_windows_first_page_then_splits_the_biggest() {
        let (start, end) = (ts("2026-05-01T00:00:00Z"), ts("2026-05-31T00:00:00Z"));
        let plan = plan_of(&plan(start, end, 3), 2);
        let (a, b, c) = (
            plan.claim().expect("claimable").expect("window 0"),
            plan.claim().expect("claimable").expect("window 1"),
            plan.claim().expect("claimable").expect("window 2"),
        );
        plan.finish(c.id);
        // Window 0 is known (two entries a day); window 1 is not yet.
        let mut page = entries(&["2026-05-31T00:00:00Z", "2026-05-30T00:00:00Z"]);
        plan.admit(a.id, &mut page);
        assert!(plan.claim().is_err(), "wait: window 1 may be the biggest");
        // Window 1 holds two entries an hour: it is the one to split.
        let mut page = entries(&["2026-05-21T00:00:00Z", "2026-05-20T23:00:00Z"]);
        plan.admit(b.id, &mut page);
        let split = plan.claim().expect("claimable").expect("a split");
        assert_eq!(split.window.start, ts("2026-05-11T00:00:00Z"));
        assert_eq!(split.window.end, ts("2026-05-15T23:30:00Z"));
    }

    #[test]
    fn a_split_can_be_split_again_before_its_first_page() {
        let (start, end) = (ts("2026-05-01T00:00:00Z"), ts("2026-05-11T00:00:00Z"));
        let plan = plan_of(&[Window::new(start, end)], 2);
        let only = plan.claim().expect("claimable").expect("window");
        // Two entries a day.
        let mut page = entries(&["2026-05-11T00:00:00Z", "2026-05-10T00:00:00Z"]);
        plan.admit(only.id, &mut page);
        let first = plan.claim().expect("claimable").expect("split 1");
        assert_eq!(first.window, Window::new(start, ts("2026-05-05T12:00:00Z")));
        let second = plan.claim().expect("claimable").expect("split 2");
        assert_eq!(second.window.end, ts("2026-05-07T18:00:00Z"));
        // The first split has shown nothing, but it holds the most left at
        // its parent's density (4.5 days): it is split next.
        let third = plan.claim().expect("claimable").expect("split 3");
        assert_eq!(third.window, Window::new(start, ts("2026-05-03T06:00:00Z")));
    }

    #[test]
    fn a_window_expected_to_end_within_two_pages_is_not_split() {
        let (start, end) = (ts("2026-05-01T00:00:00Z"), ts("2026-05-11T00:00:00Z"));
        let plan = plan_of(&[Window::new(start, end)], 100);
        let only = plan.claim().expect("claimable").expect("window");
        // 100 entries over nine days: about 11 more in the last day.
        let times: Vec<String> = (0..100)
            .map(|i| (end - TimeDelta::minutes(i * 9 * 24 * 60 / 99)).to_rfc3339())
            .collect();
        let times: Vec<&str> = times.iter().map(String::as_str).collect();
        let mut page = entries(&times);
        assert!(!plan.admit(only.id, &mut page));
        assert!(
            plan.claim().is_err(),
            "not worth a split: wait for it to end"
        );
    }
}
