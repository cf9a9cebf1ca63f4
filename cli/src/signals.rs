//! The signals that stop a command: SIGINT (Ctrl-C) and SIGTERM (what
//! systemd, Kubernetes and `kill` send to stop a service).
//!
//! Neither kills the process: each is turned into a value the command
//! watches, so an export finishes the page in flight, saves its state and
//! then exits (see `Failure::Stopped` for the exit codes).

use tokio::sync::watch;

/// Which signal asked the command to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, Ctrl-C: the user interrupts.
    Interrupt,
    /// SIGTERM: a service manager stops the service.
    Terminate,
}

impl Signal {
    /// The conventional exit code of a process that this signal ended:
    /// 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
        }
    }

    /// Its name, as `kill -l` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }
}

/// What a command watches: `None` until the first SIGINT or SIGTERM.
pub type Stop = watch::Receiver<Option<Signal>>;

/// Starts listening for SIGINT and SIGTERM; the receiver holds the first
/// one that arrives.
pub fn listen() -> Stop {
    let (tx, rx) = watch::channel(None);
    tokio::spawn(async move {
        let signal = first_signal().await;
        let _ = tx.send(Some(signal));
        // Keep the handlers installed: a second signal must not fall back
        // to the default action while the command finishes its write.
        std::future::pending::<()>().await;
    });
    rx
}

/// Waits until `stop` holds a signal, and returns it.
pub async fn stopped(stop: &mut Stop) -> Signal {
    match stop.wait_for(Option::is_some).await {
        Ok(signal) => signal.unwrap_or(Signal::Interrupt),
        // The listener is gone: nothing can arrive any more.
        Err(_) => std::future::pending().await,
    }
}

#[cfg(unix)]
async fn first_signal() -> Signal {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = tokio::signal::ctrl_c() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
        },
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Interrupt
        }
    }
}

#[cfg(not(unix))]
async fn first_signal() -> Signal {
    let _ = tokio::signal::ctrl_c().await;
    Signal::Interrupt
}
