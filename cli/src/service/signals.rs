//! The signals that stop a command: SIGINT (Ctrl-C) and SIGTERM (what
//! systemd, Kubernetes and `kill` send to stop a service).
//!
//! Neither kills the process: each is turned into a value the command
//! watches, so an export finishes the page in flight, saves its state and
//! then exits (see `Failure::Stopped` for the exit codes).

use arize_audit_logs_archive::{StopHandle, StopReason};

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

impl Signal {
    /// What the signal asks of an export.
    pub fn reason(self) -> StopReason {
        match self {
            Self::Interrupt => StopReason::Interrupt,
            Self::Terminate => StopReason::Terminate,
        }
    }

    /// The signal that asks for `reason`.
    pub fn of(reason: StopReason) -> Self {
        match reason {
            StopReason::Terminate => Self::Terminate,
            _ => Self::Interrupt,
        }
    }
}

/// Starts listening for SIGINT and SIGTERM; the first that arrives stops
/// whatever runs with the handle.
pub fn listen() -> StopHandle {
    let handle = StopHandle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        let signal = first_signal().await;
        stop.stop(signal.reason());
        // Keep the handlers installed: a second signal must not fall back
        // to the default action while the command finishes its write.
        std::future::pending::<()>().await;
    });
    handle
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
