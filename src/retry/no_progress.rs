//! How a page stream treats a server whose pages stop bringing anything
//! new: it backs off, then gives up with [`PaginationError::NoProgress`].
//!
//! [`PaginationError::NoProgress`]: crate::PaginationError::NoProgress

use std::{fmt, time::Duration};

use crate::retry::policy::RetryPolicy;

/// How many pages in a row may bring no new entry, and how long a page
/// stream waits between them. On by default.
///
/// A page makes no progress when it says `has_more: true`, with a new
/// `next_cursor`, and holds no entry that the page before it did not hold
/// (an empty page, or the same entries again). One such page costs nothing;
/// from the second in a row on, the stream waits before each request,
/// doubling from [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff) with random jitter (the client's
/// retry backoff); after [`max_pages`](Self::max_pages) in a row it ends
/// with [`PaginationError::NoProgress`], its resume point at the last of
/// them. A page with a new entry resets the count, so a normal export
/// never waits. Every stream of the client keeps its own count.
///
/// [`PaginationError::NoProgress`]: crate::PaginationError::NoProgress
///
/// ```
/// use std::time::Duration;
/// use arize_audit_logs::{Client, NoProgressPolicy};
///
/// let patient = NoProgressPolicy::default()
///     .max_pages(500)
///     .max_backoff(Duration::from_secs(5));
/// let client = Client::builder()
///     .api_key("key")
///     .no_progress_policy(patient)
///     .build()?;
/// assert_eq!(client.no_progress_policy().pages(), 500);
/// # Ok::<(), arize_audit_logs::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct NoProgressPolicy {
    max_pages: u32,
    backoff: RetryPolicy,
}

/// Pages in a row without a new entry before a stream gives up, by default.
pub const DEFAULT_MAX_PAGES_WITHOUT_PROGRESS: u32 = 100;

impl Default for NoProgressPolicy {
    /// 100 pages in a row, waits from 50 ms doubling to 1 s: a server that
    /// never advances gets 100 requests over about a minute and a half.
    fn default() -> Self {
        Self {
            max_pages: DEFAULT_MAX_PAGES_WITHOUT_PROGRESS,
            backoff: RetryPolicy::default()
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_secs(1)),
        }
    }
}

impl fmt::Debug for NoProgressPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoProgressPolicy")
            .field("max_pages", &self.max_pages)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl NoProgressPolicy {
    /// The most pages in a row without a new entry (at least 1): the stream
    /// ends with an error after that many requests.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// The wait before the request after the second page in a row without
    /// progress; each later wait doubles.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.backoff = self.backoff.initial_backoff(wait);
        self
    }

    /// The longest wait between two requests without progress.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.backoff = self.backoff.max_backoff(wait);
        self
    }

    /// Whether waits are randomised (between half and all of the computed
    /// wait), so that parallel streams do not ask in step. On by default.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.backoff = self.backoff.jitter(jitter);
        self
    }

    /// The most pages in a row without a new entry.
    pub fn pages(&self) -> u32 {
        self.max_pages
    }

    /// The wait before the next request after `stalled` pages in a row
    /// without progress: none after the first.
    pub(crate) fn wait_after(&self, stalled: u32) -> Duration {
        if stalled < 2 {
            Duration::ZERO
        } else {
            self.backoff.backoff(stalled - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_in_a_row_without_progress_wait_and_the_waits_double_to_the_cap() {
        let p = NoProgressPolicy::default()
            .jitter(false)
            .initial_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(35));
        let waits: Vec<u128> = (0..=5).map(|s| p.wait_after(s).as_millis()).collect();
        assert_eq!(waits, [0, 0, 10, 20, 35, 35]);
        assert_eq!(NoProgressPolicy::default().max_pages(0).pages(), 1);
    }
}
