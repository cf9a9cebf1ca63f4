//! One page of results (`ListAuditLogsResponse`) and its `PaginationMetadata`.

use chrono::{DateTime, Utc};
use reqwest::{header::HeaderMap, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    error::DecodeError, error::Error, error::RetryHistory, model::audit_log::AuditLog,
    model::raw_audit_log::RawAuditLog,
};

/// Cursor-based pagination metadata (component schema `PaginationMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
#[schemars(description = "Cursor-based pagination metadata.")]
pub struct Pagination {
    /// Opaque cursor for the next page: present when `has_more` is true,
    /// omitted when it is false. Never parse or build one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub next_cursor: Option<String>,
    /// Whether more entries follow this page.
    pub has_more: bool,
}

impl Pagination {
    /// Pagination metadata with the given values.
    pub fn new(has_more: bool, next_cursor: Option<String>) -> Self {
        Self {
            next_cursor,
            has_more,
        }
    }
}

/// One page of audit-log entries, as returned by
/// [`ListAuditLogs::send`](crate::ListAuditLogs::send), with the HTTP status
/// and headers it came with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page {
    /// The entries of this page, newest first.
    pub logs: Vec<AuditLog>,
    /// The pagination metadata of this page.
    pub pagination: Pagination,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The HTTP headers of the response.
    pub headers: HeaderMap,
}

impl Page {
    /// Builds a page from its parts.
    pub fn new(
        logs: Vec<AuditLog>,
        pagination: Pagination,
        status: StatusCode,
        headers: HeaderMap,
    ) -> Self {
        Self {
            logs,
            pagination,
            status,
            headers,
        }
    }

    /// Whether more entries follow this page.
    pub fn has_more(&self) -> bool {
        self.pagination.has_more
    }

    /// The cursor of the next page, when the server sent one.
    pub fn next_cursor(&self) -> Option<&str> {
        self.pagination.next_cursor.as_deref()
    }

    /// The entries of this page, newest first.
    pub fn entries(&self) -> &[AuditLog] {
        &self.logs
    }

    /// Takes the entries out of the page.
    pub fn into_entries(self) -> Vec<AuditLog> {
        self.logs
    }

    /// The server's clock when it answered: its `Date` header (whole
    /// seconds, as HTTP dates are), `None` when it sent none or one that
    /// does not parse. See [`RawPage::date`].
    pub fn date(&self) -> Option<DateTime<Utc>> {
        date_of(&self.headers)
    }
}

/// One page of entries exactly as the server sent them, as returned by
/// [`ListAuditLogs::send_raw`](crate::ListAuditLogs::send_raw) and
/// [`ListAuditLogs::raw_pages`](crate::ListAuditLogs::raw_pages): for
/// callers that archive, at a fraction of the cost of typed entries.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawPage {
    /// The entries of this page, newest first, each as sent.
    pub entries: Vec<RawAuditLog>,
    /// The pagination metadata of this page.
    pub pagination: Pagination,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The HTTP headers of the response.
    pub headers: HeaderMap,
}

impl RawPage {
    /// Builds a page from its parts.
    pub fn new(
        entries: Vec<RawAuditLog>,
        pagination: Pagination,
        status: StatusCode,
        headers: HeaderMap,
    ) -> Self {
        Self {
            entries,
            pagination,
            status,
            headers,
        }
    }

    /// The server's clock when it answered: its `Date` header (whole
    /// seconds, as HTTP dates are), `None` when it sent none or one that
    /// does not parse.
    ///
    /// An entry is dated by the server's clock, so a caller that asks for
    /// "everything up to now" should take "now" from here rather than from
    /// its own clock, which may run ahead of the server's. The second is
    /// truncated: the server's time was at least this.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        date_of(&self.headers)
    }

    /// The typed page. Never fails for an entry the raw decoding accepted
    /// (it checked the documented members' types); the error is kept for
    /// safety.
    pub fn decode(self) -> Result<Page, Error> {
        let logs = self
            .entries
            .iter()
            .map(RawAuditLog::decode)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::InvalidResponse(DecodeError {
                    status: self.status,
                    content_type: None,
                    excerpt: String::new(),
                    reason: e.to_string(),
                    truncated: false,
                    history: RetryHistory::default(),
                })
            })?;
        Ok(Page::new(logs, self.pagination, self.status, self.headers))
    }
}

/// The `Date` header of a response (RFC 9110 HTTP-date), as UTC.
fn date_of(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let value = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    httpdate::parse_http_date(value)
        .ok()
        .map(DateTime::<Utc>::from)
}

/// What a page stream yields: [`Page`] or [`RawPage`].
pub trait PageKind: Sized + Send + 'static + sealed::Sealed {
    /// The entry type.
    type Entry;
    #[doc(hidden)]
    fn from_raw(raw: RawPage) -> Result<Self, Error>;
    #[doc(hidden)]
    fn entries_mut(&mut self) -> &mut Vec<Self::Entry>;
    #[doc(hidden)]
    fn pagination(&self) -> &Pagination;
    #[doc(hidden)]
    fn entry_id(entry: &Self::Entry) -> &str;
}

impl PageKind for Page {
    type Entry = AuditLog;
    fn from_raw(raw: RawPage) -> Result<Self, Error> {
        raw.decode()
    }
    fn entries_mut(&mut self) -> &mut Vec<AuditLog> {
        &mut self.logs
    }
    fn pagination(&self) -> &Pagination {
        &self.pagination
    }
    fn entry_id(entry: &AuditLog) -> &str {
        &entry.id
    }
}

impl PageKind for RawPage {
    type Entry = RawAuditLog;
    fn from_raw(raw: RawPage) -> Result<Self, Error> {
        Ok(raw)
    }
    fn entries_mut(&mut self) -> &mut Vec<RawAuditLog> {
        &mut self.entries
    }
    fn pagination(&self) -> &Pagination {
        &self.pagination
    }
    fn entry_id(entry: &RawAuditLog) -> &str {
        entry.id()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Page {}
    impl Sealed for super::RawPage {}
}
