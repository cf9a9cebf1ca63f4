#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit_log;
mod client;
mod error;
pub mod generated;
mod json_text;
mod list;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
mod page;
mod problem;
mod rate_gate;
mod raw_audit_log;
mod region;
mod retry;
mod retry_after;
mod text;
mod transport;

pub use audit_log::{format_timestamp, AuditLog, OperationType};
pub use client::{
    Client, ClientBuilder, API_KEY_ENV, BASE_URL_ENV, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, USER_AGENT,
};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, PaginationError, TransportError, TransportErrorKind,
    ValidationError, ValidationRule,
};
pub use json_text::compact as compact_json;
pub use list::{
    builder::{ListAuditLogs, ResumePoint, DEFAULT_LIMIT, MAX_LIMIT, MIN_LIMIT},
    parameter::{Parameter, ParameterKind, Values},
    params::ListAuditLogsParams,
    stream::{Entries, Pages},
};
pub use page::{Page, PageKind, Pagination, RawPage};
pub use problem::Problem;
pub use raw_audit_log::{DecodeEntryError, RawAuditLog};
pub use region::Region;
pub use retry::{RetryHistory, RetryPolicy};
pub use retry_after::RetryAfter;
pub use text::escape_control;

/// The checked-in OpenAPI document the bindings are generated from.
pub const OPENAPI_DOCUMENT: &str = include_str!("../openapi/arize-audit-logs.yaml");
