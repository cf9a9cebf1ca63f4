//! When and how long to wait before sending a failed request again.

use std::{fmt, time::Duration};

use crate::error::Error;

/// How failed requests are retried. On by default.
///
/// `GET /v2/audit-logs` is idempotent, so a request is sent again after a
/// connection error, a timeout, a body that broke off, HTTP 429, 500, 502,
/// 503 or 504. Waits grow exponentially from
/// [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), each with random jitter; a
/// `Retry-After` header (seconds or an HTTP date) is honoured instead, unless
/// it asks for more than [`max_retry_after`](Self::max_retry_after), in which
/// case the error is returned at once with the wait the server asked for.
///
/// ```
/// use std::time::Duration;
/// use arize_audit_logs::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(10)
///     .max_retry_after(Duration::from_secs(300));
/// let never = RetryPolicy::none();
/// assert_eq!(never.attempts(), 1);
/// # let _ = patient;
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// 5 attempts, backoff from 250 ms doubling to at most 30 s, `Retry-After`
    /// honoured up to 120 s, jitter on.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            jitter: true,
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .field("jitter", &self.jitter)
            .finish()
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// The most attempts per request, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; each later wait doubles.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest backoff wait.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` honoured by sleeping; beyond it the error is
    /// returned with the wait the server asked for.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Whether backoff waits are randomised (between half and all of the
    /// computed wait) so that many clients do not retry in step.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The most attempts per request.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// What to do after attempt number `attempt` (1-based) failed with `error`.
    pub(crate) fn decide(&self, error: &Error, attempt: u32) -> Decision {
        if attempt >= self.max_attempts || !error.is_retryable() {
            return Decision::GiveUp;
        }
        if let Some(asked) = error.retry_after().map(|r| r.delay()) {
            if asked > self.max_retry_after {
                return Decision::GiveUp;
            }
            return Decision::RetryAfter(asked);
        }
        Decision::RetryAfter(self.backoff(attempt))
    }

    /// The backoff wait after attempt number `attempt` failed.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        if self.jitter && !full.is_zero() {
            let half = full / 2;
            half + full.mul_f64(fastrand::f64()) / 2
        } else {
            full
        }
    }
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Send the request again after this wait.
    RetryAfter(Duration),
    /// Return the error.
    GiveUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_without_jitter() {
        let p = RetryPolicy::default()
            .jitter(false)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(500));
        let waits: Vec<u128> = (1..=5).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_millis(500));
    }

    #[test]
    fn jitter_stays_between_half_and_full_wait() {
        let p = RetryPolicy::default().initial_backoff(Duration::from_millis(1000));
        for _ in 0..200 {
            let w = p.backoff(1);
            assert!(
                w >= Duration::from_millis(500) && w <= Duration::from_millis(1000),
                "{w:?}"
            );
        }
    }
}
