//! The clock that relative ranges (`last`, `last_days`, …) are measured from.

use std::{fmt, sync::Arc};

use chrono::{DateTime, Utc};

/// The system clock, or the caller's (set with
/// [`ClientBuilder::clock`](crate::ClientBuilder::clock)).
#[derive(Clone, Default)]
pub(crate) struct Clock(Option<Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>>);

impl Clock {
    pub(crate) fn new(now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>) -> Self {
        Self(Some(now))
    }

    /// The current time by this clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Some(now) => now(),
            None => Utc::now(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "<caller's clock>"
        } else {
            "system"
        })
    }
}
