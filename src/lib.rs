//! A typed client for Arize AX's audit-log REST API, `GET /v2/audit-logs`:
//! every entry of your account's audit trail, page after page, with
//! retries, rate limits and exact resumption handled.
//!
//! The bindings are generated at build time from a checked-in OpenAPI
//! document (a faithful subset of Arize's own); this crate wraps them in a
//! client with validation, typed errors and pagination.
//!
//! ```toml
//! [dependencies]
//! arize-audit-logs = "0.1"
//! futures = "0.3"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ```no_run
//! use arize_audit_logs::{Client, Error, OperationType, Region};
//! use futures::TryStreamExt;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     // The key comes from ARIZE_API_KEY unless given with `.api_key(..)`;
//!     // it must be an account admin's, created in the client's region.
//!     let client = Client::builder().region(Region::EuWest1a).build()?;
//!
//!     // One page, with its status and headers.
//!     let page = client
//!         .list_audit_logs()
//!         .last_days(7)
//!         .operation_type(OperationType::Mutation)
//!         .limit(100)
//!         .send()
//!         .await?;
//!     println!("{} entries, more: {}", page.logs.len(), page.has_more());
//!
//!     // Every entry of the range, fetched lazily, newest first.
//!     let mut entries = client.list_audit_logs().last_hours(24).limit(100).entries();
//!     while let Some(entry) = entries.try_next().await? {
//!         println!("{} {:>8} {:?}", entry.created_at, entry.operation_type, entry.operation_name);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # What is where
//!
//! - [`Client`] and [`ClientBuilder`]: the key, the [`Region`] or base URL
//!   (`ARIZE_API_KEY` and `ARIZE_BASE_URL` are read unless
//!   [`ClientBuilder::ignore_environment`]), timeouts, the [`RetryPolicy`],
//!   the largest response accepted.
//! - [`BearerSource`]: a bearer that can change (OAuth access tokens that
//!   expire), asked before every request instead of a fixed key
//!   ([`ClientBuilder::bearer_source`]); [`http_client_builder`] starts a
//!   `reqwest` client with proxies or extra roots for
//!   [`ClientBuilder::http_client`].
//! - [`ListAuditLogs`]: the request, one builder method per query parameter
//!   of the document, each checked against the document's rules before
//!   anything is sent. [`send`](ListAuditLogs::send) fetches one [`Page`];
//!   [`entries`](ListAuditLogs::entries), [`pages`](ListAuditLogs::pages) and
//!   [`raw_pages`](ListAuditLogs::raw_pages) stream the whole range.
//! - [`AuditLog`]: a typed entry. An operation type the API adds later parses
//!   as [`OperationType::Unknown`]; members the document does not list are
//!   kept ([`AuditLog::unknown_members`], [`AuditLog::raw_json`]).
//!   [`RawAuditLog`] is the entry exactly as sent, for archives.
//! - [`ResumePoint`]: where a stream stopped, and the window and filters it
//!   sent; [`ListAuditLogs::resume`] continues there, even in the middle of
//!   a page, and even days later.
//! - [`Error`]: one enum, grouped by what the caller does next.
//! - [`mock`] (feature `mock`): a stateful fake of the endpoint, for your
//!   own tests.
//! - [`generated`]: the progenitor bindings, for what the wrapper does not cover.
//!
//! # Streams that stop and resume exactly
//!
//! A cursor is answered only with the exact window and filters it was
//! issued for, so a [`ResumePoint`] keeps them: the absolute `start_time`
//! and `end_time` the stream sent (a relative range such as
//! [`last_days`](ListAuditLogs::last_days) is fixed when it is called) and
//! its filters. [`resume`](ListAuditLogs::resume) sends those, whenever it
//! runs.
//!
//! ```no_run
//! # async fn run(client: arize_audit_logs::Client) -> Result<(), arize_audit_logs::Error> {
//! use futures::StreamExt;
//!
//! let mut entries = client.list_audit_logs().last_days(30).entries();
//! let first_ten: Vec<_> = (&mut entries).take(10).collect().await;
//! if let Some(point) = entries.resume_point() {
//!     // Store `point` (it serializes, window and filters included). Later,
//!     // even a day later, the same code finishes the original 30 days: the
//!     // point's window resumes, not one recomputed from the new "now".
//!     let rest = client.list_audit_logs().last_days(30).resume(point).entries();
//!     # drop(rest);
//! }
//! # drop(first_ten); Ok(()) }
//! ```
//!
//! Parameters left out of the resuming request take the point's values. One
//! that contradicts the point (another `user_id`, an explicit `start_time`
//! of its own) is an [`Error::InvalidParameter`] naming it, before anything
//! is sent: the point never silently overrides what was asked.
//!
//! # Errors
//!
//! Every error prints as a sentence a person can act on, and its variant
//! says what to do next: fix the input or configuration (nothing was sent
//! for [`Error::InvalidParameter`] and [`Error::Config`]), fix the key or
//! its permissions, wait and retry (after the client's own retries), or
//! report a server that broke its contract. Server text an error carries
//! (Problem fields, bodies, a redirect's location) never contains the API
//! key, however the server echoed it.
//!
//! ```no_run
//! # async fn run(client: arize_audit_logs::Client) {
//! use arize_audit_logs::Error;
//!
//! match client.list_audit_logs().limit(100).send().await {
//!     Ok(page) => println!("{} entries", page.logs.len()),
//!     Err(Error::InvalidParameter(e)) => eprintln!("fix the input: {e}"),
//!     Err(e @ (Error::Unauthorized(_) | Error::Forbidden(_))) => eprintln!("check the key: {e}"),
//!     Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
//!     Err(e) => eprintln!("{e}"),
//! }
//! # }
//! ```
//!
//! # Reliability and safety
//!
//! Connection errors, timeouts, bodies that break off, 429, 500, 502, 503
//! and 504 are retried with jittered exponential backoff (5 attempts by
//! default), honouring `Retry-After`; a wait the server asks for holds every
//! clone of the client. TLS is rustls; plain `http://` is refused except for
//! loopback hosts; redirects are followed only within the base URL's origin
//! (another origin is [`Error::Redirected`]); a body is read to at most
//! [`DEFAULT_MAX_RESPONSE_BYTES`]. The key never appears in `Debug` output,
//! logs or errors.
//!
//! # Observability
//!
//! The client logs through [`tracing`]; nothing is printed unless the
//! application installs a subscriber.
//!
//! - Every attempt of every request ends in one `DEBUG` event with target
//!   [`REQUEST_LOG_TARGET`] (`arize_audit_logs::request`) and the fields `method`, `path` (path and
//!   query as sent; the key travels in a header and is never logged),
//!   `status` (absent when no answer came), `attempt` (1 for the first),
//!   `duration_ms`, `request_id` (a server's `x-request-id`, when sent),
//!   `rate_limit_wait_ms` (how long the attempt waited on a rate limit or a
//!   `Retry-After` before it went out) and `failure` (why it failed, briefly).
//!   Counting these events gives requests by status, retries (`attempt` > 1)
//!   and the time spent waiting on rate limits.
//! - A retry is also a `WARN` event (`request failed; retrying`), and giving
//!   up on a retryable failure another.
//!
//! # Testing against the fake server
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use arize_audit_logs::mock::{Faults, MockConfig, MockServer};
//! use futures::TryStreamExt;
//!
//! let server = MockServer::start(
//!     MockConfig::default()
//!         .entries(500)
//!         .faults(Faults::none().rate_limit(0.2, Some(0)).server_error(0.1)),
//! )
//! .await?;
//! let client = server.client()?;
//! let entries: Vec<_> = client.list_audit_logs().limit(100).entries().try_collect().await?;
//! assert_eq!(entries, server.entries()); // every entry once, newest first, despite the faults
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))]
//! # fn main() {}
//! ```
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls with the webpki roots.
//! - `mock`: the embedded fake server, [`mock`].
//!
//! The command-line tool that exports to JSON Lines, CSV or JSON, resumably,
//! is the separate crate
//! [`arize-audit-logs-cli`](https://crates.io/crates/arize-audit-logs-cli).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod clock;
mod credentials;
mod error;
pub mod generated;
mod http;
mod list;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
mod model;
mod region;
mod retry;

pub use client::{
    http_client_builder, reached_without_tls, without_tls_roots, Client, ClientBuilder,
    API_KEY_ENV, BASE_URL_ENV, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, USER_AGENT,
};
pub use credentials::{Bearer, BearerFuture, BearerSource, CredentialsError};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, PaginationError, RetryHistory, TransportError,
    TransportErrorKind, ValidationError, ValidationRule,
};
pub use http::send::REQUEST_LOG_TARGET;
pub use list::{
    builder::ListAuditLogs,
    parameter::{Parameter, ParameterKind, Values},
    params::{ListAuditLogsParams, DEFAULT_LIMIT, MAX_LIMIT, MIN_LIMIT},
    resume::ResumePoint,
    stream::{Entries, Pages},
};
pub use model::{
    audit_log::{AuditLog, OperationType},
    json_text::{
        compact as compact_json, members_of as json_members, Malformed as MalformedJson,
        Members as JsonMembers,
    },
    page::{Page, PageKind, Pagination, RawPage},
    problem::Problem,
    raw_audit_log::{DecodeEntryError, RawAuditLog},
    text::{escape_control, quote as quote_server_text, QUOTE_CHARS},
};
pub use region::Region;
pub use retry::{
    no_progress::{NoProgressPolicy, DEFAULT_MAX_PAGES_WITHOUT_PROGRESS},
    policy::RetryPolicy,
    retry_after::RetryAfter,
};

// The README's Rust examples compile and run as doctests, and so do those of
// the library's guide.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/library.md")]
struct LibraryGuideDoctests;

/// The checked-in OpenAPI document the bindings are generated from.
pub const OPENAPI_DOCUMENT: &str = include_str!("../openapi/arize-audit-logs.yaml");
