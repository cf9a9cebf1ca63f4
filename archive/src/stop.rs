//! Stopping a run from outside: a [`StopHandle`] the caller keeps, never a
//! signal handler the library installs.
//!
//! A stop never cuts the page in flight: the run finishes writing it, saves
//! its state and returns. A followed archive stopped with
//! [`StopReason::Terminate`] returns `Ok` (a service's normal stop); any
//! other stop returns an [`Error`](crate::Error) of kind
//! [`ErrorKind::Stopped`](crate::ErrorKind::Stopped), with where to resume.

use tokio::sync::watch;

/// Why a run was asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// The user interrupts (what Ctrl-C means): the run stops as soon as the
    /// page in flight is written, and reports where to resume.
    Interrupt,
    /// A service manager stops the service (what SIGTERM means): a followed
    /// archive saves its state and ends normally; a range not yet finished
    /// stops as for [`StopReason::Interrupt`].
    Terminate,
}

/// Stops a run started by [`Archive::run`](crate::Archive::run). Clone it
/// freely; the first stop asked for is the one that counts.
#[derive(Clone, Debug)]
pub struct StopHandle {
    sender: watch::Sender<Option<StopReason>>,
}

impl StopHandle {
    /// A handle no one has stopped yet.
    pub fn new() -> Self {
        Self {
            sender: watch::channel(None).0,
        }
    }

    /// Waits until a stop is asked for, and returns why.
    pub async fn stopped(&self) -> StopReason {
        stopped(&mut self.watch()).await
    }

    /// What a run watches.
    pub(crate) fn watch(&self) -> Stop {
        self.sender.subscribe()
    }

    /// Asks the run to stop for `reason`. A later call does not change the
    /// reason of the first.
    pub fn stop(&self, reason: StopReason) {
        self.sender.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
    }

    /// Whether a stop was asked for, and why.
    pub fn requested(&self) -> Option<StopReason> {
        *self.sender.borrow()
    }
}

/// What a run watches: `None` until the first stop.
pub(crate) type Stop = watch::Receiver<Option<StopReason>>;

/// Waits until `stop` holds a reason, and returns it.
pub(crate) async fn stopped(stop: &mut Stop) -> StopReason {
    // Copied out at once: the guard must not live across the wait below.
    let reason = stop.wait_for(Option::is_some).await.map(|reason| *reason);
    match reason {
        Ok(reason) => reason.unwrap_or(StopReason::Interrupt),
        // Every handle is gone: nothing can arrive any more.
        Err(_) => std::future::pending().await,
    }
}

impl Default for StopHandle {
    fn default() -> Self {
        Self::new()
    }
}
