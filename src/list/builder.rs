//! The request builder of `list_audit_logs`. Its per-parameter methods are
//! generated with the parameters (`params.rs`); the conveniences are here.

use chrono::{DateTime, TimeDelta, Utc};

use std::sync::Arc;

use crate::{
    error::Error, error::ValidationError, error::ValidationRule, http::settings::ClientInner,
    list::params::ListAuditLogsParams, list::resume::ResumePoint, list::stream::Entries,
    list::stream::Pages, model::page::Page, model::page::PageKind, model::page::RawPage,
};

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
    client: Arc<ClientInner>,
    pub(crate) params: ListAuditLogsParams,
    /// The point given to [`resume`](Self::resume).
    point: Option<ResumePoint>,
    /// The window the last relative range set (`last`, `last_days`, …).
    relative: Option<(DateTime<Utc>, DateTime<Utc>)>,
    max_entries: Option<u64>,
    prefetch: bool,
    range_error: Option<ValidationError>,
}

impl ListAuditLogs {
    pub(crate) fn new(client: Arc<ClientInner>) -> Self {
        Self {
            client,
            params: ListAuditLogsParams::default(),
            point: None,
            relative: None,
            max_entries: None,
            prefetch: false,
            range_error: None,
        }
    }

    /// `start_time` and `end_time` together, both inclusive.
    pub fn time_range(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        self.start_time(start).end_time(end)
    }

    /// The window of `span` that ends now: `end_time` is now and `start_time`
    /// is `span` earlier. Both are fixed when this is called, so every page
    /// of the stream asks for the same range, and the stream's
    /// [`ResumePoint`] keeps them. With [`resume`](Self::resume), the
    /// point's window applies instead. "Now" is the client's
    /// [`clock`](crate::ClientBuilder::clock).
    pub fn last(mut self, span: TimeDelta) -> Self {
        let end = self.client.settings.clock.now();
        match end.checked_sub_signed(span) {
            Some(start) => {
                self.relative = Some((start, end));
                self.time_range(start, end)
            }
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

    /// Replaces every parameter at once.
    pub fn params(mut self, params: ListAuditLogsParams) -> Self {
        self.params = params;
        self
    }

    /// Continues where a stream stopped: the request the stream sent, its
    /// cursor, and the entries of that page already delivered (skipped by
    /// [`pages`](Self::pages) and [`entries`](Self::entries);
    /// [`send`](Self::send) returns the whole page).
    ///
    /// A point from a stream carries that stream's request
    /// ([`ResumePoint::request`]): its absolute window and its filters. The
    /// API answers a cursor only with exactly those, so they are what is
    /// sent, whatever day it is now:
    ///
    /// - a parameter this builder leaves out takes the point's value;
    /// - a relative range ([`last`](Self::last), [`last_days`](Self::last_days),
    ///   [`last_hours`](Self::last_hours)) is not a contradiction: the point's
    ///   window resumes, not one recomputed from now;
    /// - a value that differs from the point's (another `user_id`, an
    ///   explicit `start_time`, a filter the point's stream did not have) is
    ///   an [`Error::InvalidParameter`] naming the parameter
    ///   ([`ValidationRule::ContradictsResumePoint`]), before any request:
    ///   the point never silently overrides what was asked, and what was
    ///   asked never silently drops the point;
    /// - `limit` is the builder's: a cursor does not depend on it.
    ///
    /// A point without a request ([`ResumePoint::new`],
    /// [`ResumePoint::at_cursor`]) resumes with this builder's parameters.
    /// Calling `resume` again replaces the point.
    ///
    /// A stream sent without `end_time` leaves its window to the server: its
    /// cursors carry the window the server chose, but a point still on the
    /// first page (no cursor yet) lets the server choose again. Give a range
    /// ([`last_days`](Self::last_days), [`time_range`](Self::time_range)) to
    /// fix it.
    pub fn resume(mut self, point: ResumePoint) -> Self {
        self.params.cursor.clone_from(&point.cursor);
        self.point = Some(point);
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

    /// The parameters as they were set on this builder (with a resume
    /// point's cursor); [`request`](Self::request) is what is sent.
    pub fn as_params(&self) -> &ListAuditLogsParams {
        &self.params
    }

    /// The parameters that are sent: those set on this builder, merged with
    /// the [`resume`](Self::resume) point's request. Fails when they
    /// contradict it, or break a rule (see [`validate`](Self::validate)).
    pub fn request(&self) -> Result<ListAuditLogsParams, ValidationError> {
        if let Some(e) = &self.range_error {
            return Err(e.clone());
        }
        let params = match &self.point {
            Some(point) => point.apply(&self.params, self.relative)?,
            None => self.params.clone(),
        };
        params.validate()?;
        Ok(params)
    }

    /// Checks the parameters without sending anything.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.request().map(drop)
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
        let params = self.request()?;
        let limits = crate::retry::gate::RateLimits::default();
        crate::http::send::fetch_page(&self.client, &params, None, &limits).await
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
        let skip = self.point.as_ref().map_or(0, |p| p.skip);
        let (params, validation) = match self.request() {
            Ok(params) => (params, Ok(())),
            Err(e) => (self.params, Err(e)),
        };
        Pages::new(
            self.client,
            params,
            skip,
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
