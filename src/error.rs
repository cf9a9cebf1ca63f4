//! The crate's one error type, grouped by what the caller does next.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::StatusCode;

use crate::{model::problem::Problem, model::text, retry::retry_after::RetryAfter};

/// Every way a call can fail.
///
/// The variants are grouped by what the caller does next:
/// - fix the configuration or the input ([`Config`](Error::Config),
///   [`InvalidParameter`](Error::InvalidParameter), [`BadRequest`](Error::BadRequest),
///   [`Redirected`](Error::Redirected)): nothing was sent for the first two;
/// - fix the credentials or permissions ([`Unauthorized`](Error::Unauthorized),
///   [`Forbidden`](Error::Forbidden), [`Credentials`](Error::Credentials): sign in again);
/// - wait and retry ([`RateLimited`](Error::RateLimited), [`Server`](Error::Server),
///   [`Transport`](Error::Transport));
/// - report a bug: the server broke its contract
///   ([`UnexpectedStatus`](Error::UnexpectedStatus), [`InvalidResponse`](Error::InvalidResponse),
///   [`ResponseTooLarge`](Error::ResponseTooLarge), [`Pagination`](Error::Pagination)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is unusable; no request was sent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A request parameter breaks a rule known client-side; no request was sent.
    #[error(transparent)]
    InvalidParameter(#[from] ValidationError),
    /// HTTP 400: the server rejected the request's parameters.
    #[error(
        "Arize rejected the request as invalid: check the parameters; a cursor must be passed \
         back unchanged, with the same filters as the request that returned it. Arize \
         answered {0}"
    )]
    BadRequest(Box<ApiError>),
    /// HTTP 401: the API key was missing or not accepted.
    #[error(
        "Arize did not accept the API key: check that the key is valid and that it was created \
         in the region this client talks to ({endpoint}); keys are valid only in their own \
         region. Arize answered {0}",
        endpoint = .0.endpoint
    )]
    Unauthorized(Box<ApiError>),
    /// HTTP 403: the key may not read the audit log.
    #[error(
        "Arize refused access to the audit log: the API key must belong to an account admin, \
         and the account must have audit logging enabled; a key from another region is refused \
         the same way ({endpoint}). Arize answered {0}",
        endpoint = .0.endpoint
    )]
    Forbidden(Box<ApiError>),
    /// The client's [`BearerSource`](crate::BearerSource) could not give a
    /// bearer (signed out, a refresh refused or unreachable); nothing was
    /// sent.
    #[error(transparent)]
    Credentials(#[from] crate::credentials::CredentialsError),
    /// HTTP 429: the rate limit was exceeded.
    #[error("Arize's rate limit was exceeded; {wait}. Arize answered {0}", wait = .0.wait_hint())]
    RateLimited(Box<ApiError>),
    /// HTTP 5xx: Arize or a gateway in front of it failed.
    #[error(
        "Arize or a gateway in front of it failed; this is usually temporary, {wait}. Arize \
         answered {0}",
        wait = .0.wait_hint()
    )]
    Server(Box<ApiError>),
    /// Any other status the document does not declare.
    #[error("Arize answered with a status this client does not expect: {0}")]
    UnexpectedStatus(Box<ApiError>),
    /// The server redirected to another origin (another scheme, host or
    /// port, including https to http). It is not followed: the API key must
    /// not go there, and entries from a host nobody configured must not
    /// reach an export. Point the client at the right base URL instead.
    #[error(
        "{endpoint} answered HTTP {} with a redirect to {location}, another origin; it is not \
         followed, so neither the API key nor an export crosses to a host that was not \
         configured. If that host serves the API, make it the base URL",
        status.as_u16()
    )]
    Redirected {
        /// The redirect's status (301, 302, 303, 307 or 308).
        status: StatusCode,
        /// Where it pointed, resolved against the request's URL.
        location: String,
        /// The endpoint that was asked.
        endpoint: String,
    },
    /// The request could not be sent or its response not read (DNS, connect,
    /// TLS, timeout, connection reset, truncated body).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A response body was larger than the configured maximum; reading stopped
    /// there.
    #[error(
        "the response to {endpoint} (HTTP {status}) is larger than the {limit}-byte maximum; \
         reading stopped there. Raise ClientBuilder::max_response_bytes if the pages are \
         legitimately this large.",
        status = status.as_u16()
    )]
    ResponseTooLarge {
        /// The status of the response.
        status: StatusCode,
        /// The configured maximum, in bytes.
        limit: usize,
        /// The URL that was requested (without the query).
        endpoint: String,
    },
    /// A success response whose body does not decode as the documented schema.
    #[error(transparent)]
    InvalidResponse(#[from] DecodeError),
    /// The server's pagination metadata is inconsistent.
    #[error(transparent)]
    Pagination(#[from] PaginationError),
    /// The generated client failed in a way the wrapper rules out: a bug in
    /// this crate.
    #[error("internal error in arize-audit-logs, please report it: {0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::BadRequest(e)
            | Self::Unauthorized(e)
            | Self::Forbidden(e)
            | Self::RateLimited(e)
            | Self::Server(e)
            | Self::UnexpectedStatus(e) => Some(e.status),
            Self::ResponseTooLarge { status, .. } | Self::Redirected { status, .. } => {
                Some(*status)
            }
            Self::InvalidResponse(e) => Some(e.status),
            _ => None,
        }
    }

    /// The API error details, when the server answered with an error status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::BadRequest(e)
            | Self::Unauthorized(e)
            | Self::Forbidden(e)
            | Self::RateLimited(e)
            | Self::Server(e)
            | Self::UnexpectedStatus(e) => Some(e),
            _ => None,
        }
    }

    /// The parsed Problem document, when the error body was one.
    pub fn problem(&self) -> Option<&Problem> {
        self.api_error().and_then(|e| e.problem.as_ref())
    }

    /// The parsed `Retry-After` header, when the server sent one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.api_error().and_then(|e| e.retry_after)
    }

    /// Whether the same request may succeed if sent again later: rate limits,
    /// 5xx, network failures and truncated bodies.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited(_) => true,
            Self::Server(e) => matches!(e.status.as_u16(), 500 | 502 | 503 | 504),
            Self::Transport(_) => true,
            Self::InvalidResponse(e) => e.truncated,
            _ => false,
        }
    }

    /// How many attempts were made and why the earlier ones failed, for the
    /// errors that retries apply to.
    pub fn retry_history(&self) -> Option<&RetryHistory> {
        match self {
            Self::BadRequest(e)
            | Self::Unauthorized(e)
            | Self::Forbidden(e)
            | Self::RateLimited(e)
            | Self::Server(e)
            | Self::UnexpectedStatus(e) => Some(&e.history),
            Self::Transport(e) => Some(&e.history),
            Self::InvalidResponse(e) => Some(&e.history),
            _ => None,
        }
    }

    pub(crate) fn with_history(mut self, history: RetryHistory) -> Self {
        match &mut self {
            Self::BadRequest(e)
            | Self::Unauthorized(e)
            | Self::Forbidden(e)
            | Self::RateLimited(e)
            | Self::Server(e)
            | Self::UnexpectedStatus(e) => e.history = history,
            Self::Transport(e) => e.history = history,
            Self::InvalidResponse(e) => e.history = history,
            _ => {}
        }
        self
    }
}

/// The details of an error status: everything the server said.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The RFC 9457 Problem, when the body was one (`application/problem+json`
    /// or plain JSON).
    pub problem: Option<Problem>,
    /// The body as text (invalid UTF-8 replaced, at most 64 KiB) when it was
    /// not a Problem.
    pub body: Option<String>,
    /// The `Retry-After` header, when present and valid.
    pub retry_after: Option<RetryAfter>,
    /// The `x-request-id` header, when present: quote it to Arize support.
    pub request_id: Option<String>,
    /// The URL that was requested, without the query.
    pub endpoint: String,
    /// How many attempts were made and why the earlier ones failed.
    pub history: RetryHistory,
}

impl ApiError {
    fn wait_hint(&self) -> String {
        match self.retry_after {
            Some(r) => format!(
                "the server asked to wait {}s before retrying",
                r.delay().as_secs()
            ),
            None => "retry later".to_owned(),
        }
    }
}

/// `HTTP 403 Forbidden: <problem or body excerpt>[, request id …]`.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(reason) = self.status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        if let Some(problem) = &self.problem {
            write!(f, ": {problem}")?;
        } else if let Some(body) = self.body.as_deref().filter(|b| !b.trim().is_empty()) {
            write!(f, ": {}", text::excerpt(body.trim().as_bytes(), 200))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request id {}", text::quote(id))?;
        }
        write!(f, "{}", self.history)
    }
}

/// A client configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API key was given and `ARIZE_API_KEY` is unset or empty.
    #[error(
        "no API key: set the ARIZE_API_KEY environment variable or call ClientBuilder::api_key \
         (an Arize account admin's key, from the region the account lives in)"
    )]
    MissingApiKey,
    /// The API key cannot be sent in an HTTP header.
    #[error(
        "the API key contains characters that cannot be sent in an HTTP header (control \
         characters or non-ASCII); check that it was copied whole and without a line break"
    )]
    InvalidApiKey,
    /// The base URL does not parse or is not http(s).
    #[error("invalid base URL {url:?} ({setting}): {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Where it came from: `base_url` or `ARIZE_BASE_URL`.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A plain-http base URL for a host that is not loopback.
    #[error(
        "refusing the plain-http base URL {url:?}: the API key would cross the network \
         unencrypted. Use https, or call ClientBuilder::allow_insecure_http(true) if this is \
         intended"
    )]
    InsecureBaseUrl {
        /// The URL as given.
        url: String,
    },
    /// The region name is not one this crate knows.
    #[error(
        "unknown region {region:?}: the known regions are {known}. For another region or an \
         on-premises host, set the base URL (ClientBuilder::base_url, ARIZE_BASE_URL) or use \
         Region::Other"
    )]
    InvalidRegion {
        /// The region as given.
        region: String,
        /// The known regions' names, comma-separated.
        known: String,
    },
    /// A timeout of zero.
    #[error("the {setting} must be greater than zero")]
    ZeroTimeout {
        /// `connect_timeout` or `timeout`.
        setting: &'static str,
    },
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// A request parameter that breaks a rule known client-side.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ValidationError {
    /// The API's name of the parameter (`limit`, `start_time`, …).
    pub parameter: &'static str,
    /// For an array parameter, the position of the item that breaks it.
    pub item: Option<usize>,
    /// The rule it breaks.
    pub rule: ValidationRule,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(item) => write!(
                f,
                "invalid `{}` (item {}): {}",
                self.parameter,
                item + 1,
                self.rule
            ),
            None => write!(f, "invalid `{}`: {}", self.parameter, self.rule),
        }
    }
}

impl ValidationError {
    pub(crate) fn new(parameter: &'static str, rule: ValidationRule) -> Self {
        Self {
            parameter,
            item: None,
            rule,
        }
    }

    pub(crate) fn at_item(mut self, item: Option<usize>) -> Self {
        self.item = item;
        self
    }

    pub(crate) fn unknown_parameter(name: &str) -> Self {
        Self::new(
            "(unknown)",
            ValidationRule::UnknownParameter {
                name: name.to_owned(),
            },
        )
    }
}

/// The rule a parameter breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationRule {
    /// A number outside its allowed range.
    OutOfRange {
        /// The value given (clamped to the range of `i64`).
        value: i64,
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
    },
    /// A string shorter than the schema's `minLength` (in characters).
    TooShort {
        /// Its length.
        length: usize,
        /// The fewest characters allowed.
        min: usize,
    },
    /// A string longer than the schema's `maxLength` (in characters).
    TooLong {
        /// Its length.
        length: usize,
        /// The most characters allowed.
        max: usize,
    },
    /// Fewer values than the schema's `minItems`.
    TooFew {
        /// How many were given.
        count: usize,
        /// The fewest allowed.
        min: usize,
    },
    /// More values than the schema's `maxItems` (or than one, for a
    /// parameter that takes one).
    TooMany {
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A value the schema's `enum` does not list.
    NotOneOf {
        /// The value given.
        value: String,
        /// The documented values.
        allowed: &'static [&'static str],
    },
    /// A text that cannot be read as the parameter's type.
    Malformed {
        /// The text given.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A name that is not one of the operation's query parameters.
    UnknownParameter {
        /// The name given.
        name: String,
    },
    /// `start_time` after `end_time`.
    StartAfterEnd {
        /// The start given.
        start: DateTime<Utc>,
        /// The end given.
        end: DateTime<Utc>,
    },
    /// An empty string.
    Empty,
    /// A value the range conveniences cannot represent (such as a window
    /// reaching before year -262144).
    Unrepresentable,
    /// A value that differs from the one of the
    /// [`ResumePoint`](crate::ResumePoint) given to
    /// [`resume`](crate::ListAuditLogs::resume): the point's cursor is
    /// answered only with the window and filters it was issued for.
    ContradictsResumePoint {
        /// The value(s) this request gives, in text form.
        asked: Vec<String>,
        /// The value(s) of the point's request (empty: not given).
        resumed: Vec<String>,
    },
}

impl fmt::Display for ValidationRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ts = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        match self {
            Self::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside the allowed range {min}..={max}")
            }
            Self::TooShort { length, min } => write!(
                f,
                "{length} characters is too short: at least {min} are required"
            ),
            Self::TooLong { length, max } => write!(
                f,
                "{length} characters is too long: at most {max} are allowed"
            ),
            Self::TooFew { count, min } => {
                write!(f, "{count} given, but at least {min} are required")
            }
            Self::TooMany { count, max } => {
                write!(f, "{count} given, but at most {max} are allowed")
            }
            Self::NotOneOf { value, allowed } => write!(
                f,
                "{value:?} is not one of the documented values {}",
                allowed.join(", ")
            ),
            Self::Malformed { value, expected } => {
                write!(f, "{value:?} is not {expected}")
            }
            Self::UnknownParameter { name } => write!(
                f,
                "`{name}` is not a query parameter of GET /v2/audit-logs"
            ),
            Self::StartAfterEnd { start, end } => write!(
                f,
                "start_time {} is after end_time {}; the start of the range must not be after its end",
                ts(start),
                ts(end)
            ),
            Self::Empty => f.write_str("must not be empty when given"),
            Self::Unrepresentable => f.write_str("the time range is out of the representable range"),
            Self::ContradictsResumePoint { asked, resumed } => {
                let list = |values: &[String]| {
                    if values.is_empty() {
                        "not given".to_owned()
                    } else {
                        values
                            .iter()
                            .map(|v| format!("{v:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                write!(
                    f,
                    "{} contradicts the resume point, whose stream was sent with {}; \
                     a cursor is answered only with the window and filters it was issued for: \
                     leave the parameter out to resume that stream, or start a new stream \
                     without the point",
                    list(asked),
                    list(resumed)
                )
            }
        }
    }
}

/// The request failed below HTTP: it could not be sent, or its response could
/// not be read to the end.
#[derive(Debug, thiserror::Error)]
#[error("{kind} {endpoint}: {}{history}", chain(source))]
#[non_exhaustive]
pub struct TransportError {
    /// What went wrong, in short.
    pub kind: TransportErrorKind,
    /// The URL that was requested, without the query.
    pub endpoint: String,
    /// The underlying error.
    #[source]
    pub source: reqwest::Error,
    /// How many attempts were made and why the earlier ones failed.
    pub history: RetryHistory,
}

impl TransportError {
    pub(crate) fn new(source: reqwest::Error, endpoint: String) -> Self {
        let kind = if source.is_timeout() {
            TransportErrorKind::Timeout
        } else if source.is_connect() {
            TransportErrorKind::Connect
        } else if source.is_body() || source.is_decode() {
            TransportErrorKind::Body
        } else {
            TransportErrorKind::Request
        };
        Self {
            kind,
            endpoint,
            source,
            history: RetryHistory::default(),
        }
    }
}

/// What kind of transport failure it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (DNS, refused, TLS).
    Connect,
    /// A connect or request timeout elapsed.
    Timeout,
    /// The response body broke off or could not be read.
    Body,
    /// The request failed otherwise.
    Request,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect to",
            Self::Timeout => "timed out waiting for",
            Self::Body => "the response broke off from",
            Self::Request => "the request failed for",
        })
    }
}

fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let msg = e.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        next = e.source();
    }
    out
}

/// A success response whose body is not the documented JSON.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "Arize answered HTTP {status} but the body is not the documented JSON ({reason}); \
     content-type {content_type}, body starts {excerpt:?}. This is a server or proxy fault: \
     retry, and report it if it persists{history}",
    status = status.as_u16(),
    content_type = content_type.as_deref().unwrap_or("missing")
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, when present.
    pub content_type: Option<String>,
    /// The first 200 characters of the body, control characters escaped.
    pub excerpt: String,
    /// What the decoder said, with the line and column.
    pub reason: String,
    /// Whether the body ended early (a truncated response, which is retried).
    pub truncated: bool,
    /// How many attempts were made and why the earlier ones failed.
    pub history: RetryHistory,
}

/// The server's pagination metadata is inconsistent; the stream stopped rather
/// than loop forever or end silently.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// `has_more: true` without a `next_cursor`.
    #[error(
        "page {page} says has_more: true but has no next_cursor, so the rest of the range \
         cannot be fetched; the export is incomplete"
    )]
    MissingCursor {
        /// The 1-based number of the page in this stream.
        page: u64,
    },
    /// A `next_cursor` that an earlier page of the same stream already returned.
    #[error(
        "page {page} returned a next_cursor that an earlier page already returned; stopping \
         instead of fetching the same pages again"
    )]
    RepeatedCursor {
        /// The 1-based number of the page in this stream.
        page: u64,
        /// The repeated cursor.
        cursor: String,
    },
    /// Page after page says `has_more: true` with a new `next_cursor` and
    /// brings no new entry (empty pages, or the same entries again): the
    /// server's pagination does not advance. The stream backed off between
    /// them and stopped after [`NoProgressPolicy::pages`](crate::NoProgressPolicy::pages)
    /// in a row; its resume point is at the last of them.
    #[error(
        "the last {pages} pages brought no new entries, though each said has_more: true with a \
         new next_cursor: the server's pagination is not advancing, so the stream stopped after \
         {pages} requests instead of looping (waiting longer between each); the range is not \
         complete"
    )]
    NoProgress {
        /// How many pages in a row brought nothing new.
        pages: u32,
        /// The cursor that fetched the last of them (`None`: the first
        /// request).
        cursor: Option<String>,
    },
}

/// Why the earlier attempts of a request failed, kept on the final error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryHistory {
    /// How many attempts were made in all (the failing one included).
    pub attempts: u32,
    /// Why each earlier attempt failed, in order, with the wait that followed.
    pub earlier: Vec<String>,
}

impl fmt::Display for RetryHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attempts <= 1 {
            return Ok(());
        }
        write!(f, " [after {} attempts; earlier:", self.attempts)?;
        for (i, why) in self.earlier.iter().enumerate() {
            write!(f, " #{} {why};", i + 1)?;
        }
        f.write_str(" then this]")
    }
}
