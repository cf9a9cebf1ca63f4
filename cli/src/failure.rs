//! Why a command failed, and the exit code that says so.

use std::path::Path;

use arize_audit_logs::{Error, ValidationError};

use crate::service::signals::Signal;

/// Why a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or local state: exit 2.
    Usage(String),
    /// An error from the client library: exit 2, 3, 4 or 1 by its kind.
    Api(Error),
    /// No usable credentials: exit 3.
    Auth(String),
    /// Stopped by a signal before the work was done: 130 for SIGINT, 143
    /// for SIGTERM.
    Stopped(Signal),
    /// A local file could not be read or written: exit 1.
    Io(String),
    /// The server sent what its document does not allow, and the command
    /// did all it could with it (an export wrote such entries as sent):
    /// exit 4, as for any server fault.
    Server(String),
    /// Standard output was closed by its reader (`… | head`): the reader
    /// has what it wanted, so this ends quietly with exit 0.
    ClosedPipe,
    /// `verify` found the archive not intact; its report is printed: exit 5.
    NotIntact,
    /// Any of the above, with what to do next.
    Hinted(Box<Failure>, String),
}

impl Failure {
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe && path == Path::new("stdout") {
            return Self::ClosedPipe;
        }
        Self::Io(format!("{}: {e}", path.display()))
    }

    /// Whether it ends the program without a word (a closed pipe).
    pub fn is_quiet(&self) -> bool {
        match self {
            Self::ClosedPipe | Self::NotIntact => true,
            Self::Hinted(inner, _) => inner.is_quiet(),
            _ => false,
        }
    }

    pub fn with_hint(self, hint: String) -> Self {
        Self::Hinted(Box::new(self), hint)
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Auth(_) => 3,
            Self::Stopped(signal) => signal.exit_code(),
            Self::Io(_) => 1,
            Self::Server(_) => 4,
            Self::ClosedPipe => 0,
            Self::NotIntact => 5,
            Self::Hinted(inner, _) => inner.exit_code(),
            Self::Api(e) => match e {
                Error::Config(_) | Error::InvalidParameter(_) | Error::BadRequest(_) => 2,
                Error::Unauthorized(_) | Error::Forbidden(_) | Error::Credentials(_) => 3,
                Error::Internal(_) => 1,
                _ => 4,
            },
        }
    }

    pub fn report(&self) -> String {
        match self {
            Self::Usage(m) | Self::Io(m) | Self::Auth(m) | Self::Server(m) => {
                format!("error: {m}")
            }
            Self::Stopped(Signal::Interrupt) => "interrupted (SIGINT)".to_owned(),
            Self::Stopped(Signal::Terminate) => "stopped by SIGTERM".to_owned(),
            Self::ClosedPipe | Self::NotIntact => String::new(),
            Self::Api(e) => format!("error: {}", describe(e)),
            Self::Hinted(inner, hint) => format!("{}\n{hint}", inner.report()),
        }
    }
}

/// A library error in the command line's words: flags, not library calls.
fn describe(e: &Error) -> String {
    match e {
        Error::InvalidParameter(v) => invalid(v),
        Error::ResponseTooLarge {
            status,
            limit,
            endpoint,
        } => format!(
            "the response to {endpoint} (HTTP {}) is larger than the {limit}-byte maximum; \
             reading stopped there. Raise --max-response-bytes if pages this large are expected",
            status.as_u16()
        ),
        Error::Redirected {
            status,
            location,
            endpoint,
        } => format!(
            "{endpoint} answered HTTP {} with a redirect to {location}, another origin; it is \
             not followed, so neither the API key nor an export goes to a host you did not \
             name. If that host serves the API, pass it as --base-url",
            status.as_u16()
        ),
        other => other.to_string(),
    }
}

/// The flag that sets a query parameter.
fn flag_of(parameter: &str) -> String {
    match parameter {
        "start_time" => "--start".into(),
        "end_time" => "--end".into(),
        other => format!("--{}", other.replace('_', "-")),
    }
}

fn invalid(v: &ValidationError) -> String {
    let rule = v
        .rule
        .to_string()
        .replace("start_time", "--start")
        .replace("end_time", "--end");
    match v.item {
        Some(item) => format!(
            "invalid {} (value {}): {rule}",
            flag_of(v.parameter),
            item + 1
        ),
        None => format!("invalid {}: {rule}", flag_of(v.parameter)),
    }
}

impl From<arize_audit_logs_archive::Error> for Failure {
    /// The engine's error by what it means for the exit code (an export
    /// adds what is safe: see `continue_command::failure`).
    fn from(e: arize_audit_logs_archive::Error) -> Self {
        use arize_audit_logs_archive::ErrorKind;
        match e.kind() {
            ErrorKind::Refused | ErrorKind::Busy => Self::Usage(e.to_string()),
            ErrorKind::Server => Self::Server(e.to_string()),
            ErrorKind::Credentials => Self::Auth(e.to_string()),
            ErrorKind::Closed => Self::ClosedPipe,
            ErrorKind::Stopped(reason) => Self::Stopped(Signal::of(reason)),
            ErrorKind::Connect => match e.into_connect_error() {
                Ok(source) => match source.downcast::<Failure>() {
                    Ok(failure) => *failure,
                    Err(other) => Self::Usage(other.to_string()),
                },
                Err(e) => Self::Usage(e.to_string()),
            },
            ErrorKind::Api => match e.into_api() {
                Ok(api) => Self::Api(api),
                Err(e) => Self::Io(e.to_string()),
            },
            _ => Self::Io(e.to_string()),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.report().trim_start_matches("error: "))
    }
}

impl std::error::Error for Failure {}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Api(e)
    }
}
