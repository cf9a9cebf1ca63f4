//! Shared backoff: when one request of a client is told to wait (429, 503 with
//! `Retry-After`, or a backoff after a failure), every request of that client
//! and its clones waits with it, instead of each hammering the server alone.
//! Who was told is counted apart, per page stream ([`RateLimits`]): the wait
//! is shared, the blame is not.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

/// The gate every attempt of a client passes before it is sent.
#[derive(Debug, Default)]
pub(crate) struct RateGate {
    not_before: Mutex<Option<Instant>>,
}

/// The HTTP 429 answers the requests of one page stream received (its
/// requests ahead included), and no other's: what a caller running several
/// streams at once slows down by, without charging one stream for another's.
#[derive(Clone, Debug, Default)]
pub(crate) struct RateLimits(Arc<AtomicU64>);

impl RateLimits {
    /// Counts a 429 one of this stream's requests received.
    pub(crate) fn note(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// How many 429s this stream's requests have received.
    pub(crate) fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl RateGate {
    /// Waits until the gate is open.
    pub(crate) async fn pass(&self) {
        loop {
            let wait = {
                let guard = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
                guard.and_then(|t| t.checked_duration_since(Instant::now()))
            };
            match wait {
                Some(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
                _ => return,
            }
        }
    }

    /// Closes the gate for `wait` from now (never shortening a longer close).
    pub(crate) fn hold(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut guard = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none_or(|t| t < until) {
            *guard = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn holding_the_gate_delays_every_caller_until_it_opens() {
        let gate = std::sync::Arc::new(RateGate::default());
        gate.hold(Duration::from_secs(2));
        gate.hold(Duration::from_secs(1)); // never shortens
        let started = tokio::time::Instant::now();
        let (a, b) = (gate.clone(), gate.clone());
        tokio::join!(a.pass(), b.pass());
        assert!(started.elapsed() >= Duration::from_secs(2));
    }
}
