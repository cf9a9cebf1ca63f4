//! The `list_audit_logs` operation: its parameters, their validation, and the
//! request builder.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    page::PageKind,
    pagination::{Entries, Pages},
    Client, Error, OperationType, Page, RawPage, ValidationError, ValidationRule,
};

/// The smallest `limit` the API accepts.
pub const MIN_LIMIT: u32 = 1;
/// The largest `limit` the API accepts.
pub const MAX_LIMIT: u32 = 100;
/// The `limit` the API applies when none is sent.
pub const DEFAULT_LIMIT: u32 = 50;

/// The query parameters of `GET /v2/audit-logs`, all optional.
///
/// Serialisable, so an export can store them beside its checkpoint and resume
/// with exactly the same filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListAuditLogsParams {
    /// Inclusive lower bound on `created_at` (server default: 30 days before
    /// `end_time`).
    pub start_time: Option<DateTime<Utc>>,
    /// Inclusive upper bound on `created_at` (server default: now).
    pub end_time: Option<DateTime<Utc>>,
    /// Only entries of this user (base64 global user id).
    pub user_id: Option<String>,
    /// Only entries of this operation type.
    pub operation_type: Option<OperationType>,
    /// Page size, 1..=100 (server default 50).
    pub limit: Option<u32>,
    /// The opaque `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListAuditLogsParams {
    /// Checks every rule known client-side; the first broken one is returned.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(limit) = self.limit {
            if !(MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
                return Err(ValidationError::new(
                    "limit",
                    ValidationRule::OutOfRange {
                        value: limit.into(),
                        min: MIN_LIMIT.into(),
                        max: MAX_LIMIT.into(),
                    },
                ));
            }
        }
        if let (Some(start), Some(end)) = (self.start_time, self.end_time) {
            if start > end {
                return Err(ValidationError::new(
                    "start_time",
                    ValidationRule::StartAfterEnd { start, end },
                ));
            }
        }
        if self.user_id.as_deref().is_some_and(str::is_empty) {
            return Err(ValidationError::new("user_id", ValidationRule::Empty));
        }
        if self
            .operation_type
            .as_ref()
            .is_some_and(|t| t.as_str().is_empty())
        {
            return Err(ValidationError::new(
                "operation_type",
                ValidationRule::Empty,
            ));
        }
        if self.cursor.as_deref().is_some_and(str::is_empty) {
            return Err(ValidationError::new("cursor", ValidationRule::Empty));
        }
        Ok(())
    }
}

/// Where a stream of pages or entries stopped, to continue exactly there
/// later with [`ListAuditLogs::resume`].
///
/// `cursor` is the cursor of the page to fetch next (`None`: the first page);
/// `skip` is how many entries of that page were already delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResumePoint {
    /// The cursor to request, or `None` for the first page.
    pub cursor: Option<String>,
    /// How many leading entries of that page to skip.
    pub skip: usize,
}

impl ResumePoint {
    /// A resume point at a page boundary.
    pub fn at_cursor(cursor: Option<String>) -> Self {
        Self { cursor, skip: 0 }
    }

    /// A resume point inside a page.
    pub fn new(cursor: Option<String>, skip: usize) -> Self {
        Self { cursor, skip }
    }
}

/// A `GET /v2/audit-logs` request being built: [`send`](Self::send) fetches one
/// page, [`pages`](Self::pages) and [`entries`](Self::entries) stream all of
/// them.
///
/// Every parameter is checked before anything is sent; a broken rule is an
/// [`Error::InvalidParameter`] that names the parameter and the rule.
///
/// ```no_run
/// # async fn run(client: arize_audit_logs::Client) -> Result<(), arize_audit_logs::Error> {
/// use arize_audit_logs::OperationType;
/// use futures::TryStreamExt;
///
/// let mutations: Vec<_> = client
///     .list_audit_logs()
///     .last_hours(24)
///     .operation_type(OperationType::Mutation)
///     .limit(100)
///     .entries()
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListAuditLogs {
    client: Client,
    params: ListAuditLogsParams,
    skip: usize,
    max_entries: Option<u64>,
    prefetch: bool,
    range_error: Option<ValidationError>,
}

impl ListAuditLogs {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            params: ListAuditLogsParams::default(),
            skip: 0,
            max_entries: None,
            prefetch: false,
            range_error: None,
        }
    }

    /// `start_time`: inclusive lower bound on `created_at`.
    pub fn start_time(mut self, start: DateTime<Utc>) -> Self {
        self.params.start_time = Some(start);
        self
    }

    /// `end_time`: inclusive upper bound on `created_at`.
    pub fn end_time(mut self, end: DateTime<Utc>) -> Self {
        self.params.end_time = Some(end);
        self
    }

    /// `start_time` and `end_time` together, both inclusive.
    pub fn time_range(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        self.start_time(start).end_time(end)
    }

    /// The window of `span` that ends now: `end_time` is now and `start_time`
    /// is `span` earlier. Both are fixed when this is called, so every page
    /// of the stream asks for the same range.
    pub fn last(mut self, span: TimeDelta) -> Self {
        let end = Utc::now();
        match end.checked_sub_signed(span) {
            Some(start) => self.time_range(start, end),
            None => {
                self.range_error = Some(ValidationError::new(
                    "start_time",
                    ValidationRule::Unrepresentable,
                ));
                self
            }
        }
    }

    /// The last `hours` hours, ending now (see [`last`](Self::last)).
    pub fn last_hours(self, hours: u32) -> Self {
        self.last(TimeDelta::hours(hours.into()))
    }

    /// The last `days` days, ending now (see [`last`](Self::last)).
    pub fn last_days(self, days: u32) -> Self {
        self.last(TimeDelta::days(days.into()))
    }

    /// `user_id`: only entries of this user (base64 global user id).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.params.user_id = Some(user_id.into());
        self
    }

    /// `operation_type`: only entries of this type.
    pub fn operation_type(mut self, operation_type: impl Into<OperationType>) -> Self {
        self.params.operation_type = Some(operation_type.into());
        self
    }

    /// `limit`: entries per page, 1..=100 (the server's default is 50).
    pub fn limit(mut self, limit: u32) -> Self {
        self.params.limit = Some(limit);
        self
    }

    /// `cursor`: the opaque `next_cursor` of a previous page of the same
    /// query. Never parse or build one.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.params.cursor = Some(cursor.into());
        self
    }

    /// Replaces every parameter at once.
    pub fn params(mut self, params: ListAuditLogsParams) -> Self {
        self.params = params;
        self
    }

    /// Continues where a stream stopped: the cursor, and the entries of that
    /// page already delivered (skipped by [`pages`](Self::pages) and
    /// [`entries`](Self::entries); [`send`](Self::send) returns the whole page).
    pub fn resume(mut self, point: ResumePoint) -> Self {
        self.params.cursor = point.cursor;
        self.skip = point.skip;
        self
    }

    /// Streams stop after this many entries. The last page is requested with
    /// a smaller `limit`, so the stream stops at a page boundary and its
    /// [`resume_point`](Pages::resume_point) is exact.
    pub fn max_entries(mut self, max: u64) -> Self {
        self.max_entries = Some(max);
        self
    }

    /// Streams request each next page as soon as the current one's body has
    /// arrived, before it is decoded and handed over, so the server works
    /// while this side decodes and the caller consumes (off by default). The
    /// cursor is read off the end of the body and checked against the
    /// decoded page: a wrong guess costs one request, never a wrong page. At
    /// most one request runs ahead; not used with
    /// [`max_entries`](Self::max_entries).
    pub fn prefetch(mut self, on: bool) -> Self {
        self.prefetch = on;
        self
    }

    /// The parameters as they stand.
    pub fn get_params(&self) -> &ListAuditLogsParams {
        &self.params
    }

    /// Checks the parameters without sending anything.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(e) = &self.range_error {
            return Err(e.clone());
        }
        self.params.validate()
    }

    /// Sends the request and returns one page (retrying as the client's
    /// [`RetryPolicy`](crate::RetryPolicy) allows).
    pub async fn send(self) -> Result<Page, Error> {
        self.send_raw().await?.decode()
    }

    /// Like [`send`](Self::send), with the entries exactly as the server sent
    /// them ([`RawAuditLog`](crate::RawAuditLog)): what an archive wants, at a
    /// fraction of the decoding cost.
    pub async fn send_raw(self) -> Result<RawPage, Error> {
        self.validate()?;
        crate::transport::fetch_page(&self.client, &self.params, None).await
    }

    /// All pages, fetched lazily one after another as the stream is polled,
    /// every request with the same filters.
    pub fn pages(self) -> Pages {
        self.page_stream()
    }

    /// All pages with the entries exactly as the server sent them
    /// ([`RawPage`]), fetched lazily like [`pages`](Self::pages).
    pub fn raw_pages(self) -> Pages<RawPage> {
        self.page_stream()
    }

    fn page_stream<P: PageKind>(self) -> Pages<P> {
        let validation = self.validate();
        Pages::new(
            self.client,
            self.params,
            self.skip,
            self.max_entries,
            self.prefetch,
            validation,
        )
    }

    /// All entries, newest first, fetched lazily page by page.
    pub fn entries(self) -> Entries {
        Entries::new(self.pages())
    }
}
