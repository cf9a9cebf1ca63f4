//! `export --parallel N`: the range split into time windows fetched
//! concurrently, written in exactly the order a sequential export writes.
//!
//! Windows are taken newest first by N workers. The writer streams the head
//! window as its pages arrive and writes each later window only once every
//! newer one is complete, so the file is newest first. Both bounds of every
//! request are inclusive, so an entry whose `created_at` is exactly a window
//! boundary is returned by both neighbours: it belongs to the newer window
//! (where the boundary is the lower bound), and the older one drops it. Each
//! window buffers at most [`WINDOW_BUFFER`] pages, which bounds memory. A 429
//! slows everyone: the client's shared gate holds every request for the wait,
//! and the number of concurrent requests drops by one (down to one), growing
//! back after a run of successes.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

use arize_audit_logs::{AuditLog, Client, Error, ListAuditLogsParams, ResumePoint};
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, Semaphore};

/// Windows per worker: enough to balance uneven windows, few enough that
/// partial last pages cost little.
pub const WINDOWS_PER_WORKER: usize = 4;
/// Pages a window may hold before its worker waits for the writer.
pub const WINDOW_BUFFER: usize = 64;
/// Successful pages after which one more concurrent request is allowed again.
const GROW_AFTER: u32 = 20;

/// The plan of a parallel export, kept in the checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParallelState {
    /// Windows, newest first, each `[start, end]` inclusive.
    pub windows: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// The window being written (earlier ones are complete in the file).
    pub current: usize,
    /// Concurrent requests at the most.
    pub workers: usize,
}

/// Splits `[start, end]` into `count` windows on millisecond boundaries,
/// newest first.
pub fn plan(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    count: usize,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
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
    (0..count).map(|k| (bound(k + 1), bound(k))).collect()
}

/// What a window's channel carries: its pages, or the error that ended it.
pub type WindowItem = Result<Delivery, Error>;

/// One page of a window, as the writer gets it.
pub struct Delivery {
    pub entries: Vec<AuditLog>,
    /// Where this window continues after the page (`None`: it is complete).
    pub resume: Option<ResumePoint>,
}

/// How many requests may run at once; shrinks on 429s, grows back slowly.
struct Concurrency {
    permits: Semaphore,
    current: AtomicUsize,
    max: usize,
    successes: Mutex<u32>,
}

impl Concurrency {
    fn new(max: usize) -> Self {
        Self {
            permits: Semaphore::new(max),
            current: AtomicUsize::new(max),
            max,
            successes: Mutex::new(0),
        }
    }

    fn rate_limited(&self) {
        *self.successes.lock().unwrap_or_else(|p| p.into_inner()) = 0;
        let shrunk = self
            .current
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n > 1).then(|| n - 1)
            });
        if shrunk.is_ok() {
            // A permit in use is forgotten when it comes back: retry until one is free.
            if self.permits.forget_permits(1) == 0 {
                self.current.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn succeeded(&self) {
        let mut successes = self.successes.lock().unwrap_or_else(|p| p.into_inner());
        *successes += 1;
        if *successes >= GROW_AFTER {
            *successes = 0;
            let grown = self
                .current
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < self.max).then(|| n + 1)
                });
            if grown.is_ok() {
                self.permits.add_permits(1);
            }
        }
    }
}

/// Starts the workers; returns one receiver per window from `state.current`
/// on. Dropping the receivers stops the workers.
pub fn start(
    client: &Client,
    base: &ListAuditLogsParams,
    state: &ParallelState,
    first_resume: Option<ResumePoint>,
) -> Vec<mpsc::Receiver<WindowItem>> {
    let windows: Vec<_> = state.windows[state.current..].to_vec();
    let mut senders = Vec::with_capacity(windows.len());
    let mut receivers = Vec::with_capacity(windows.len());
    for _ in &windows {
        let (tx, rx) = mpsc::channel(WINDOW_BUFFER);
        senders.push(Mutex::new(Some(tx)));
        receivers.push(rx);
    }
    let shared = Arc::new(Shared {
        client: client.clone(),
        base: base.clone(),
        windows,
        offset: state.current,
        first_resume,
        senders,
        next: AtomicUsize::new(0),
        concurrency: Concurrency::new(state.workers.max(1)),
    });
    for _ in 0..state.workers.max(1) {
        tokio::spawn(worker(shared.clone()));
    }
    receivers
}

struct Shared {
    client: Client,
    base: ListAuditLogsParams,
    windows: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Index of `windows[0]` in the whole plan.
    offset: usize,
    first_resume: Option<ResumePoint>,
    senders: Vec<Mutex<Option<mpsc::Sender<WindowItem>>>>,
    next: AtomicUsize,
    concurrency: Concurrency,
}

async fn worker(shared: Arc<Shared>) {
    loop {
        let i = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(&(start, end)) = shared.windows.get(i) else {
            return;
        };
        let Some(tx) = shared.senders[i]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            continue;
        };
        let mut params = shared.base.clone();
        params.start_time = Some(start);
        params.end_time = Some(end);
        let resume = if i == 0 {
            shared.first_resume.clone()
        } else {
            Some(ResumePoint::default())
        };
        let Some(resume) = resume else { continue };
        // The newest window keeps its upper bound; the others leave it to
        // the newer neighbour, whose lower bound it is.
        let owns_upper_bound = shared.offset + i == 0;
        let mut pages = shared
            .client
            .list_audit_logs()
            .params(params)
            .resume(resume)
            .pages();
        loop {
            let Ok(permit) = shared.concurrency.permits.acquire().await else {
                return;
            };
            let limited_before = shared.client.rate_limited_count();
            let next = pages.next().await;
            drop(permit);
            if shared.client.rate_limited_count() > limited_before {
                shared.concurrency.rate_limited();
            }
            let delivery = match next {
                None => break,
                Some(Err(error)) => {
                    let _ = tx.send(Err(error)).await;
                    return;
                }
                Some(Ok(page)) => {
                    shared.concurrency.succeeded();
                    let entries = page
                        .into_entries()
                        .into_iter()
                        .filter(|e| owns_upper_bound || e.created_at != end)
                        .collect();
                    Delivery {
                        entries,
                        resume: pages.resume_point(),
                    }
                }
            };
            if tx.send(Ok(delivery)).await.is_err() {
                return; // the writer stopped
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> DateTime<Utc> {
        s.parse().expect("ts")
    }

    #[test]
    fn windows_tile_the_range_newest_first_on_millisecond_bounds() {
        let (start, end) = (ts("2026-05-01T00:00:00Z"), ts("2026-05-01T00:00:10.001Z"));
        let windows = plan(start, end, 4);
        assert_eq!(windows.len(), 4);
        assert_eq!(windows[0].1, end);
        assert_eq!(windows[3].0, start);
        for pair in windows.windows(2) {
            assert_eq!(pair[0].0, pair[1].1, "adjacent windows share a bound");
            assert!(pair[0].0 < pair[0].1);
        }
        assert!(windows
            .iter()
            .all(|(s, e)| s.timestamp_subsec_nanos() % 1_000_000 == 0
                && e.timestamp_subsec_nanos() % 1_000_000 == 0));
    }

    #[test]
    fn tiny_ranges_get_fewer_windows() {
        let t = ts("2026-05-01T00:00:00Z");
        assert_eq!(plan(t, t, 8), vec![(t, t)]);
        assert_eq!(plan(t, t + TimeDelta::milliseconds(2), 8).len(), 2);
    }
}
