//! Speculative fetching of the next page. As soon as a page's body has
//! arrived (before it is decoded), its `next_cursor` is read off the body's
//! tail and the next request is started; the fetch yields once so that
//! request is on its way while this page is decoded and consumed. The guess
//! is checked against the decoded page: a wrong one costs one request, never
//! a wrong or missing page.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};

use tokio::task::JoinHandle;

use crate::{
    error::Error,
    http::settings::ClientInner,
    http::{hooks::BodySeen, send},
    list::params::ListAuditLogsParams,
    model::page::RawPage,
    retry::gate::RateLimits,
};

/// How far from the end of a body the cursor is looked for.
const TAIL: usize = 4 * 1024;

/// The speculation of one page stream: at most one request ahead.
#[derive(Clone)]
pub(crate) struct Prefetch {
    inner: Arc<Inner>,
}

struct Inner {
    client: Arc<ClientInner>,
    /// The stream's parameters; each speculation sets the cursor.
    params: ListAuditLogsParams,
    /// The stream's count of 429s, which its requests ahead add to.
    limits: RateLimits,
    slot: Mutex<Option<Speculation>>,
    /// No speculation while the stream backs off (pages without progress).
    paused: AtomicBool,
}

struct Speculation {
    cursor: String,
    fetch: JoinHandle<Result<RawPage, Error>>,
}

impl Prefetch {
    pub fn new(client: Arc<ClientInner>, params: ListAuditLogsParams, limits: RateLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                params,
                limits,
                slot: Mutex::new(None),
                paused: AtomicBool::new(false),
            }),
        }
    }

    /// The callback for a fetch of this stream: speculates its successor.
    pub fn on_body(&self) -> BodySeen {
        let this = self.clone();
        Arc::new(move |body: &[u8]| this.speculate(body))
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Speculation>> {
        self.inner.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn speculate(&self, body: &[u8]) -> bool {
        if self.inner.paused.load(Ordering::Relaxed) {
            return false;
        }
        let Some(cursor) = next_cursor(body) else {
            return false;
        };
        let mut slot = self.slot();
        if slot.is_some() {
            return false; // one ahead at the most
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let mut params = self.inner.params.clone();
        params.cursor = Some(cursor.clone());
        let client = self.inner.client.clone();
        let seen = self.on_body();
        let limits = self.inner.limits.clone();
        let fetch = runtime
            .spawn(async move { send::fetch_page(&client, &params, Some(seen), &limits).await });
        *slot = Some(Speculation { cursor, fetch });
        true
    }

    /// The speculative fetch of the page at `cursor`, if that is the one
    /// that was guessed; any other speculation is cancelled.
    pub fn take(&self, cursor: &str) -> Option<JoinHandle<Result<RawPage, Error>>> {
        let speculation = self.slot().take()?;
        if speculation.cursor == cursor {
            Some(speculation.fetch)
        } else {
            speculation.fetch.abort();
            None
        }
    }

    /// Stops (or restarts) speculating: a stream that backs off sends no
    /// request ahead of its wait.
    pub fn pause(&self, paused: bool) {
        self.inner.paused.store(paused, Ordering::Relaxed);
    }

    /// Cancels whatever is in flight (the stream is dropped or done).
    pub fn cancel(&self) {
        if let Some(speculation) = self.slot().take() {
            speculation.fetch.abort();
        }
    }
}

/// The `next_cursor` string near the end of a page body, when it is a plain
/// one (no escapes); `None` when there is none or it cannot be read simply.
fn next_cursor(body: &[u8]) -> Option<String> {
    const NAME: &[u8] = b"\"next_cursor\"";
    let tail = &body[body.len().saturating_sub(TAIL)..];
    let at = memchr::memmem::rfind(tail, NAME)? + NAME.len();
    let rest = tail.get(at..)?;
    let rest = rest.get(rest.iter().position(|b| !b.is_ascii_whitespace())?..)?;
    let rest = rest.strip_prefix(b":")?;
    let rest = rest.get(rest.iter().position(|b| !b.is_ascii_whitespace())?..)?;
    let value = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr2(b'"', b'\\', value)?;
    if value[end] != b'"' || end == 0 {
        return None;
    }
    std::str::from_utf8(&value[..end]).ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::next_cursor;

    #[test]
    fn the_cursor_is_read_off_the_tail_of_a_body() {
        let body =
            br#"{"logs":[{"id":"a"}],"pagination":{"next_cursor":"eyJhIjoxfQ","has_more":true}}"#;
        assert_eq!(next_cursor(body).as_deref(), Some("eyJhIjoxfQ"));
        let spaced = br#"{"logs":[], "pagination": { "has_more": true, "next_cursor" : "c2" } }"#;
        assert_eq!(next_cursor(spaced).as_deref(), Some("c2"));
        for none in [
            &br#"{"logs":[],"pagination":{"has_more":false}}"#[..],
            br#"{"pagination":{"next_cursor":"a\"b","has_more":true}}"#,
            br#"{"pagination":{"next_cursor":"","has_more":true}}"#,
            br#"{"pagination":{"next_cursor":"#,
        ] {
            assert_eq!(next_cursor(none), None, "{}", String::from_utf8_lossy(none));
        }
    }
}
