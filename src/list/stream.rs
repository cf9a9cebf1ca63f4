//! Auto-pagination: lazy streams of pages and of entries that follow
//! `next_cursor`, can stop at a cap, and say exactly where to resume.

use std::{
    collections::HashSet,
    hash::{DefaultHasher, Hash, Hasher},
    pin::Pin,
    task::{Context, Poll},
};

use futures::{future::BoxFuture, FutureExt, Stream};

use std::sync::Arc;

use crate::{
    error::Error, error::PaginationError, error::ValidationError, http::settings::ClientInner,
    list::params::ListAuditLogsParams, list::params::DEFAULT_LIMIT, list::prefetch::Prefetch,
    list::resume::ResumePoint, model::audit_log::AuditLog, model::page::Page,
    model::page::PageKind, model::page::RawPage, retry::gate::RateLimits,
};

/// A stream of pages, from [`ListAuditLogs::pages`](crate::ListAuditLogs::pages)
/// (typed [`Page`]s) or [`ListAuditLogs::raw_pages`](crate::ListAuditLogs::raw_pages)
/// ([`RawPage`]s, entries as sent).
///
/// Each page is requested only when the stream is polled, with the same
/// filters as the first and the cursor of the page before. The stream ends
/// after the page whose `has_more` is false, or when the cap set with
/// [`max_entries`](crate::ListAuditLogs::max_entries) is reached. An error
/// ends it too: [`resume_point`](Self::resume_point) then says where to start
/// again. A page with `has_more: true` but no `next_cursor`, or a
/// `next_cursor` seen before, is delivered and followed by an
/// [`Error::Pagination`]: never an endless loop, never a silent stop. Pages
/// that bring no new entry under fresh cursors back off and, after the
/// client's [`NoProgressPolicy`](crate::NoProgressPolicy) bound, end the
/// same way ([`PaginationError::NoProgress`]).
#[must_use = "streams do nothing unless polled"]
pub struct Pages<P: PageKind = Page> {
    client: Arc<ClientInner>,
    /// The request for the next page; its cursor is the resume cursor.
    params: ListAuditLogsParams,
    /// Entries of the next page already delivered before a resume.
    skip: usize,
    /// Entries left under the cap.
    remaining: Option<u64>,
    /// Hashes of every cursor requested so far.
    seen: HashSet<u64>,
    /// Hashes of the ids of the last page received, sorted: a page holding
    /// none but these brings nothing new. (A page is small: a sorted list
    /// costs less than a set, which would hash each hash again.)
    last_ids: Vec<u64>,
    /// Pages in a row that brought nothing new.
    stalled: u32,
    pages_fetched: u64,
    entries_yielded: u64,
    /// The 429s this stream's requests received.
    limits: RateLimits,
    exhausted: bool,
    state: State,
    /// The next page requested ahead, when asked for.
    prefetch: Option<Prefetch>,
    kind: std::marker::PhantomData<fn() -> P>,
}

enum State {
    Ready,
    Fetching(BoxFuture<'static, Result<RawPage, Error>>),
    /// An error to deliver on the next poll, then the end.
    Failing(Error),
    Done,
}

impl<P: PageKind> Pages<P> {
    pub(crate) fn new(
        client: Arc<ClientInner>,
        params: ListAuditLogsParams,
        skip: usize,
        max_entries: Option<u64>,
        prefetch: bool,
        validation: Result<(), ValidationError>,
    ) -> Self {
        let state = match validation {
            Ok(()) => State::Ready,
            Err(e) => State::Failing(e.into()),
        };
        let mut seen = HashSet::new();
        if let Some(cursor) = &params.cursor {
            seen.insert(hash(cursor));
        }
        let limits = RateLimits::default();
        // A cap changes the last request's limit: no guessing then.
        let prefetch = (prefetch && max_entries.is_none())
            .then(|| Prefetch::new(client.clone(), params.clone(), limits.clone()));
        Self {
            prefetch,
            client,
            params,
            skip,
            remaining: max_entries,
            seen,
            last_ids: Vec::new(),
            stalled: 0,
            pages_fetched: 0,
            entries_yielded: 0,
            limits,
            exhausted: false,
            state,
            kind: std::marker::PhantomData,
        }
    }

    /// Where to continue after this stream stopped (or was dropped): `None`
    /// once the last page of the range has been delivered. The point carries
    /// the request this stream sends (its absolute window and filters, see
    /// [`ResumePoint::request`]), so it resumes the same range later.
    pub fn resume_point(&self) -> Option<ResumePoint> {
        if self.exhausted {
            None
        } else {
            Some(ResumePoint::new(self.params.cursor.clone(), self.skip).with_request(&self.params))
        }
    }

    /// The cursor the next request will carry (`None` for the first page or
    /// once the range is exhausted).
    pub fn cursor(&self) -> Option<&str> {
        if self.exhausted {
            None
        } else {
            self.params.cursor.as_deref()
        }
    }

    /// The filters every request of this stream carries (the cursor aside).
    pub fn params(&self) -> &ListAuditLogsParams {
        &self.params
    }

    /// How many pages have been received.
    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }

    /// How many entries have been delivered.
    pub fn entries_yielded(&self) -> u64 {
        self.entries_yielded
    }

    /// How many HTTP 429 answers this stream's own requests have received
    /// (retried ones and requests ahead included). Every request of the
    /// client waits out a rate limit together, but only the stream that was
    /// told counts it: a caller running several streams at once slows down
    /// by what each reports, never charging one stream for another's 429s.
    pub fn rate_limited(&self) -> u64 {
        self.limits.count()
    }

    fn start_fetch(&mut self) -> BoxFuture<'static, Result<RawPage, Error>> {
        let mut params = self.params.clone();
        if let Some(remaining) = self.remaining {
            // Ask for no more than the cap needs, so the stream stops at a
            // page boundary.
            let wanted = remaining.saturating_add(self.skip as u64).max(1);
            let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
            if wanted < u64::from(limit) {
                params.limit = u32::try_from(wanted).ok();
            }
        }
        let client = self.client.clone();
        let limits = self.limits.clone();
        // Pages in a row without progress: wait first (none in a normal run).
        let wait = client.settings.no_progress.wait_after(self.stalled);
        let backoff = async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        };
        let Some(prefetch) = &self.prefetch else {
            return async move {
                backoff.await;
                crate::http::send::fetch_page(&client, &params, None, &limits).await
            }
            .boxed();
        };
        if let Some(ahead) = params.cursor.as_deref().and_then(|c| prefetch.take(c)) {
            return async move {
                backoff.await;
                ahead.await.unwrap_or_else(|e| {
                    Err(Error::Internal(format!("a prefetched request failed: {e}")))
                })
            }
            .boxed();
        }
        let seen = prefetch.on_body();
        async move {
            backoff.await;
            crate::http::send::fetch_page(&client, &params, Some(seen), &limits).await
        }
        .boxed()
    }

    /// Counts a page that says there is more: `Some` with the error that
    /// ends the stream once too many in a row brought nothing new.
    fn count_progress(&mut self, page: &mut P) -> Option<PaginationError> {
        let mut ids: Vec<u64> = page
            .entries_mut()
            .iter()
            .map(|e| id_hash(P::entry_id(e)))
            .collect();
        ids.sort_unstable();
        let new = ids
            .iter()
            .any(|id| self.last_ids.binary_search(id).is_err());
        self.last_ids = ids;
        self.stalled = if new {
            0
        } else {
            self.stalled.saturating_add(1)
        };
        if let Some(prefetch) = &self.prefetch {
            // No request ahead of the backoff.
            prefetch.pause(self.stalled > 0);
        }
        let policy = &self.client.settings.no_progress;
        (self.stalled >= policy.pages()).then(|| PaginationError::NoProgress {
            pages: self.stalled,
            cursor: self.params.cursor.clone(),
        })
    }

    /// Applies the guards, the skip and the cap to a page that just arrived,
    /// and moves the resume point past it.
    fn accept(&mut self, mut page: P) -> P {
        self.pages_fetched += 1;
        let number = self.pages_fetched;
        let pagination = page.pagination();
        let next = match (pagination.has_more, pagination.next_cursor.as_deref()) {
            (false, _) => None,
            (true, None) => {
                self.state = State::Failing(PaginationError::MissingCursor { page: number }.into());
                None
            }
            (true, Some(cursor)) => {
                if self.seen.insert(hash(cursor)) {
                    let cursor = cursor.to_owned();
                    match self.count_progress(&mut page) {
                        None => Some(cursor),
                        Some(stuck) => {
                            self.state = State::Failing(stuck.into());
                            None
                        }
                    }
                } else {
                    self.state = State::Failing(
                        PaginationError::RepeatedCursor {
                            page: number,
                            cursor: cursor.to_owned(),
                        }
                        .into(),
                    );
                    None
                }
            }
        };

        let logs = page.entries_mut();
        let skipped = self.skip.min(logs.len());
        logs.drain(..skipped);
        if let Some(remaining) = self.remaining {
            if logs.len() as u64 > remaining {
                // The server sent more than asked for: keep what the cap
                // allows and resume inside this page.
                let keep = usize::try_from(remaining).unwrap_or(usize::MAX);
                logs.truncate(keep);
                self.skip += keep;
                self.remaining = Some(0);
                self.entries_yielded += keep as u64;
                self.state = State::Done;
                return page;
            }
            self.remaining = Some(remaining - logs.len() as u64);
        }
        let delivered = logs.len();
        self.entries_yielded += delivered as u64;
        self.skip = 0;

        if matches!(self.state, State::Failing(_)) {
            // Resume at this page again: the guard fires again rather than
            // silently skipping the rest of the range.
            self.skip = skipped + delivered;
            return page;
        }
        match next {
            Some(cursor) => {
                self.params.cursor = Some(cursor);
                self.state = if self.remaining == Some(0) {
                    State::Done
                } else {
                    State::Ready
                };
            }
            None => {
                self.exhausted = true;
                self.state = State::Done;
            }
        }
        page
    }
}

impl<P: PageKind> Drop for Pages<P> {
    fn drop(&mut self) {
        if let Some(prefetch) = &self.prefetch {
            prefetch.cancel();
        }
    }
}

/// An entry id's hash, for telling whether a page holds anything new (the
/// no-progress rule): a fast hash, computed for every entry. A collision
/// could only make a page that holds something new look like one that
/// does not: the next page waits the no-progress backoff, and only a run
/// of such pages ends the stream with an error; nothing is dropped.
fn id_hash(id: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(id)
}

/// A cursor's hash, for telling a cursor already followed (SipHash: a
/// collision would end the stream).
fn hash(cursor: &str) -> u64 {
    let mut h = DefaultHasher::new();
    cursor.hash(&mut h);
    h.finish()
}

impl<P: PageKind> Stream for Pages<P> {
    type Item = Result<P, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Failing(error) => return Poll::Ready(Some(Err(error))),
                State::Ready => {
                    if this.remaining != Some(0) {
                        this.state = State::Fetching(this.start_fetch());
                    }
                }
                State::Fetching(mut fetch) => match fetch.poll_unpin(cx) {
                    Poll::Pending => {
                        this.state = State::Fetching(fetch);
                        return Poll::Pending;
                    }
                    // The resume point stays at the page that failed.
                    Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                    Poll::Ready(Ok(raw)) => match P::from_raw(raw) {
                        // Like a failed fetch: the resume point stays here.
                        Err(error) => return Poll::Ready(Some(Err(error))),
                        Ok(page) => {
                            // `accept` sets the next state (guards may set `Failing`).
                            this.state = State::Ready;
                            return Poll::Ready(Some(Ok(this.accept(page))));
                        }
                    },
                },
            }
        }
    }
}

/// A stream of entries, newest first, from
/// [`ListAuditLogs::entries`](crate::ListAuditLogs::entries): the pages of
/// [`Pages`], flattened.
#[must_use = "streams do nothing unless polled"]
pub struct Entries {
    pages: Pages,
    buffer: std::vec::IntoIter<AuditLog>,
    /// Where the buffered page started: its cursor and the entries skipped.
    origin: ResumePoint,
    taken: usize,
}

impl Entries {
    pub(crate) fn new(pages: Pages) -> Self {
        Self {
            pages,
            buffer: Vec::new().into_iter(),
            origin: ResumePoint::default(),
            taken: 0,
        }
    }

    /// Where to continue after the last entry delivered: `None` once the
    /// whole range has been delivered. Like [`Pages::resume_point`], the
    /// point carries the stream's request (window and filters).
    pub fn resume_point(&self) -> Option<ResumePoint> {
        if self.buffer.len() > 0 {
            let mut point = self.origin.clone();
            point.skip = self.origin.skip + self.taken;
            Some(point)
        } else {
            self.pages.resume_point()
        }
    }

    /// The page stream underneath (for its counters).
    pub fn pages(&self) -> &Pages {
        &self.pages
    }
}

impl Stream for Entries {
    type Item = Result<AuditLog, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(entry) = this.buffer.next() {
                this.taken += 1;
                return Poll::Ready(Some(Ok(entry)));
            }
            let origin = this.pages.resume_point();
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => {
                    this.origin = origin.unwrap_or_default();
                    this.taken = 0;
                    this.buffer = page.logs.into_iter();
                }
            }
        }
    }
}
