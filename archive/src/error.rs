//! Why an archive run failed, grouped by what the caller does next.

use std::{
    fmt, io,
    path::{Path, PathBuf},
};

use crate::{resume::Resume, stop::StopReason};

/// What the caller does next about an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request contradicts itself, the archive's state, or what is
    /// already at the output (an existing file, another archive's state):
    /// change the request. Nothing was sent or written.
    Refused,
    /// Another writer holds the archive: wait for it, or stop it.
    Busy,
    /// The API failed; [`Error::api`] tells how (a bad key, a bad request,
    /// a server fault that outlasted the retries).
    Api,
    /// The server sent pages its own document rules out (out of order, the
    /// same page again): nothing of that page was written; report it, and
    /// resume later.
    Server,
    /// The credentials of the output's store are missing or refused.
    Credentials,
    /// Reading or writing the output, its state or its store failed (a full
    /// disk, a store that is down): fix that and resume.
    Storage,
    /// The reader of the output went away (a closed pipe): it has what it
    /// wanted.
    Closed,
    /// Building the client failed (the connector given to
    /// [`ArchiveBuilder::with_connector`](crate::ArchiveBuilder::with_connector)):
    /// fix the connection settings. Nothing was sent or written.
    Connect,
    /// The run was stopped through its [`StopHandle`](crate::StopHandle)
    /// before the work was done.
    Stopped(StopReason),
}

/// Why an archive run failed, with where to resume when something was
/// written ([`Error::resume`]).
///
/// The underlying [`io::Error`] or [`arize_audit_logs::Error`] is kept as the
/// [`source`](std::error::Error::source).
pub struct Error {
    kind: ErrorKind,
    /// Boxed: an `Err` stays two words wide on every path.
    detail: Box<Detail>,
    resume: Option<Box<Resume>>,
}

enum Detail {
    Message(String),
    Io { path: PathBuf, source: io::Error },
    Api(arize_audit_logs::Error),
    Connect(Box<dyn std::error::Error + Send + Sync>),
    Stopped,
}

impl Error {
    fn new(kind: ErrorKind, detail: Detail) -> Self {
        Self {
            kind,
            detail: Box::new(detail),
            resume: None,
        }
    }

    /// A request refused before anything was done ([`ErrorKind::Refused`]).
    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Refused, Detail::Message(message.into()))
    }

    /// Another writer holds the archive ([`ErrorKind::Busy`]).
    pub(crate) fn busy(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Busy, Detail::Message(message.into()))
    }

    /// The server broke its document ([`ErrorKind::Server`]).
    pub(crate) fn server(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Server, Detail::Message(message.into()))
    }

    /// The store's credentials are missing or refused
    /// ([`ErrorKind::Credentials`]): for a store of your own.
    pub fn credentials(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Credentials, Detail::Message(message.into()))
    }

    /// A store failed, in its own words ([`ErrorKind::Storage`]): for a
    /// store of your own.
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Storage, Detail::Message(message.into()))
    }

    /// Reading or writing `path` failed ([`ErrorKind::Storage`]; a broken
    /// pipe is [`ErrorKind::Closed`]), the [`io::Error`] kept as
    /// the source.
    pub fn io(path: &Path, source: io::Error) -> Self {
        let kind = if source.kind() == io::ErrorKind::BrokenPipe {
            ErrorKind::Closed
        } else {
            ErrorKind::Storage
        };
        Self::new(
            kind,
            Detail::Io {
                path: path.to_owned(),
                source,
            },
        )
    }

    /// The connector failed.
    pub(crate) fn connect(source: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Self::new(ErrorKind::Connect, Detail::Connect(source))
    }

    /// The connector's error, taken out, for [`ErrorKind::Connect`]; else
    /// the error as it was.
    pub fn into_connect_error(self) -> Result<Box<dyn std::error::Error + Send + Sync>, Self> {
        match *self.detail {
            Detail::Connect(e) => Ok(e),
            detail => Err(Self {
                detail: Box::new(detail),
                ..self
            }),
        }
    }

    /// Stopped through the handle.
    pub(crate) fn stopped(reason: StopReason) -> Self {
        Self::new(ErrorKind::Stopped(reason), Detail::Stopped)
    }

    /// With where to resume.
    pub(crate) fn with_resume(mut self, resume: Resume) -> Self {
        self.resume = Some(Box::new(resume));
        self
    }

    /// What the caller does next.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The API's error, for [`ErrorKind::Api`].
    pub fn api(&self) -> Option<&arize_audit_logs::Error> {
        match self.detail.as_ref() {
            Detail::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The API's error, taken out, for [`ErrorKind::Api`]; else the error
    /// as it was.
    pub fn into_api(self) -> Result<arize_audit_logs::Error, Self> {
        match *self.detail {
            Detail::Api(e) => Ok(e),
            detail => Err(Self {
                detail: Box::new(detail),
                ..self
            }),
        }
    }

    /// The file that could not be read or written, for an I/O failure.
    pub fn path(&self) -> Option<&Path> {
        match self.detail.as_ref() {
            Detail::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    /// What is safe and where the run stopped, when it got that far: every
    /// run that wrote something, or fetched past its first page, says it.
    pub fn resume(&self) -> Option<&Resume> {
        self.resume.as_deref()
    }
}

impl From<arize_audit_logs::Error> for Error {
    fn from(e: arize_audit_logs::Error) -> Self {
        Self::new(ErrorKind::Api, Detail::Api(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail.as_ref() {
            Detail::Message(m) => f.write_str(m),
            Detail::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Detail::Api(e) => fmt::Display::fmt(e, f),
            Detail::Connect(e) => fmt::Display::fmt(e, f),
            Detail::Stopped => match self.kind {
                ErrorKind::Stopped(StopReason::Terminate) => f.write_str("stopped (terminate)"),
                _ => f.write_str("interrupted"),
            },
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.to_string())
            .field("resume", &self.resume)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.detail.as_ref() {
            Detail::Io { source, .. } => Some(source),
            Detail::Api(e) => Some(e),
            Detail::Connect(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
