#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
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
    Client, ClientBuilder, API_KEY_ENV, BASE_URL_ENV, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, USER_AGENT,
};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, PaginationError, RetryHistory, TransportError,
    TransportErrorKind, ValidationError, ValidationRule,
};
pub use list::{
    builder::ListAuditLogs,
    parameter::{Parameter, ParameterKind, Values},
    params::{ListAuditLogsParams, DEFAULT_LIMIT, MAX_LIMIT, MIN_LIMIT},
    resume::ResumePoint,
    stream::{Entries, Pages},
};
pub use model::{
    audit_log::{AuditLog, OperationType},
    json_text::compact as compact_json,
    page::{Page, PageKind, Pagination, RawPage},
    problem::Problem,
    raw_audit_log::{DecodeEntryError, RawAuditLog},
    text::escape_control,
};
pub use region::Region;
pub use retry::{policy::RetryPolicy, retry_after::RetryAfter};

/// The checked-in OpenAPI document the bindings are generated from.
pub const OPENAPI_DOCUMENT: &str = include_str!("../openapi/arize-audit-logs.yaml");
