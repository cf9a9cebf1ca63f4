//! One page of results (`ListAuditLogsResponse`) and its `PaginationMetadata`.

use reqwest::{header::HeaderMap, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::AuditLog;

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
}
