//! The progenitor hooks of every request: authorization, user agent and
//! timeout set before it goes out; the response read to the end within a
//! bound, what the generated code does not keep (status, content type, an
//! overflow) noted, and a success body shown to a prefetcher first.

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{
    header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, USER_AGENT},
    StatusCode,
};

use crate::{
    generated,
    http::{auth::Resolved, settings::Settings},
    model::{page_scan, raw_audit_log::RawAuditLog},
};

/// The header progenitor adds with the document's `info.version`; the API
/// documents no such header, so it is not sent.
const API_VERSION_HEADER: &str = "api-version";
/// The header a server may identify its answer with (quoted to support).
pub(crate) const REQUEST_ID: &str = "x-request-id";
/// The media types the operation answers with.
const ACCEPTED_TYPES: &str = "application/json, application/problem+json";

/// Called with a success body as soon as it has been read, before it is
/// decoded (prefetching); `true` when it started a request, so the fetch
/// yields once to let that request go out.
pub(crate) type BodySeen = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// The generated client's inner value: settings shared by all requests, and
/// what the current request observed that the generated code does not keep.
#[derive(Clone)]
pub struct Hooks {
    settings: Arc<Settings>,
    observed: Arc<Mutex<Observed>>,
    /// Told each success body as soon as it is read (prefetching).
    pub(crate) body_seen: Option<BodySeen>,
    /// The wrapper reads a success body's entries itself when it can
    /// ([`page_scan`]); a request made through `Client::generated` gets the
    /// body as sent.
    pub(crate) scan_pages: bool,
}

#[derive(Default)]
pub(crate) struct Observed {
    pub(crate) status: Option<StatusCode>,
    pub(crate) content_type: Option<String>,
    pub(crate) too_large: bool,
    /// A redirect to another origin than the request's: the status, and
    /// where it pointed (or where a caller's client followed it to).
    pub(crate) redirect: Option<(StatusCode, String)>,
    /// The request's path and query, as sent.
    pub(crate) path: Option<String>,
    /// The `x-request-id` header of the answer, when a server sends one.
    pub(crate) request_id: Option<String>,
    /// The bearer this request carries (resolved before it is sent).
    pub(crate) credential: Option<Arc<Resolved>>,
    /// A success body's entries, read by [`page_scan`], and the body as
    /// sent (the generated code decoded the rest of it).
    pub(crate) scanned: Option<(Vec<RawAuditLog>, Bytes)>,
}

impl Hooks {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            observed: Arc::default(),
            body_seen: None,
            scan_pages: false,
        }
    }

    fn observe(&self, f: impl FnOnce(&mut Observed)) {
        // A poisoned lock only means another thread panicked mid-update of
        // plain data; the data is still usable.
        let mut guard = self.observed.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard);
    }

    /// The bearer of this request: the one resolved for it already, else
    /// one asked for now (and kept for its errors).
    pub(crate) async fn credential(&self) -> Result<Arc<Resolved>, crate::Error> {
        if let Some(known) = self.observed(|o| o.credential.clone()) {
            return Ok(known);
        }
        let resolved = self.settings.auth.resolve().await?;
        self.observe(|o| o.credential = Some(resolved.clone()));
        Ok(resolved)
    }

    /// The redactor of the bearer this request carried.
    pub(crate) fn redactor(&self) -> crate::http::redact::Redactor {
        self.observed(|o| o.credential.as_ref().map(|c| c.redactor.clone()))
            .unwrap_or_else(|| self.settings.auth.last_redactor())
    }

    /// The entries [`page_scan`] read of this request's body, and the
    /// body as sent (taken: asked once).
    pub(crate) fn take_scanned(&self) -> Option<(Vec<RawAuditLog>, Bytes)> {
        let mut guard = self.observed.lock().unwrap_or_else(|p| p.into_inner());
        guard.scanned.take()
    }

    pub(crate) fn observed<T>(&self, f: impl FnOnce(&Observed) -> T) -> T {
        let guard = self.observed.lock().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("settings", &self.settings)
            .finish()
    }
}

impl ClientHooks<Hooks> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let hooks = self.inner();
        let settings = &hooks.settings;
        // Resolved by the wrapper before sending; asked here for requests
        // made through `Client::generated`.
        let credential = hooks
            .credential()
            .await
            .map_err(|e| progenitor_client::Error::Custom(e.to_string()))?;
        let headers = request.headers_mut();
        headers.remove(API_VERSION_HEADER);
        // Success bodies are JSON; the documented errors are problem+json.
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPTED_TYPES));
        headers.insert(AUTHORIZATION, credential.header.clone());
        headers.insert(USER_AGENT, settings.user_agent.clone());
        if settings.timeout.is_some() {
            *request.timeout_mut() = settings.timeout;
        }
        Ok(())
    }

    /// Sends the request and reads the body, at most `max_response_bytes` of
    /// it, so that nothing a server sends can exhaust memory.
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = self.inner();
        let limit = hooks.settings.max_response_bytes;
        let requested = request.url().origin();
        let path = match request.url().query() {
            Some(query) => format!("{}?{query}", request.url().path()),
            None => request.url().path().to_owned(),
        };
        hooks.observe(|o| o.path = Some(path));
        let mut response = self.client().execute(request).await?;
        let status = response.status();
        let redirect = if response.url().origin() != requested {
            // A caller's client followed a redirect elsewhere.
            Some((status, response.url().to_string()))
        } else if status.is_redirection() {
            // Ours stops at one (see `redirect_policy`).
            let location = response
                .headers()
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            let location = response
                .url()
                .join(&location)
                .map(|u| u.to_string())
                .unwrap_or(location);
            Some((status, location))
        } else {
            None
        };
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request_id = response
            .headers()
            .get(REQUEST_ID)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        hooks.observe(|o| {
            o.status = Some(status);
            o.content_type = content_type;
            o.redirect = redirect;
            o.request_id = request_id;
        });

        let declared = response.content_length().map(|n| n as usize);
        let mut too_large = declared.is_some_and(|n| n > limit);
        let mut body = Body::default();
        while !too_large {
            let Some(chunk) = response.chunk().await? else {
                break;
            };
            if body.len() + chunk.len() > limit {
                too_large = true;
            } else {
                body.push(chunk, declared.unwrap_or(8 * 1024).min(limit));
            }
        }
        let body = if too_large {
            hooks.observe(|o| o.too_large = true);
            Bytes::new()
        } else {
            body.into_bytes()
        };
        if let (false, true, Some(seen)) = (too_large, status.is_success(), &hooks.body_seen) {
            if seen(&body) {
                // Let the next page's request go out before this one is decoded.
                tokio::task::yield_now().await;
            }
        }

        let body = match (status == StatusCode::OK && hooks.scan_pages, &body) {
            (true, sent) => match page_scan::split(sent) {
                Some(split) => {
                    hooks.observe(|o| o.scanned = Some((split.logs, body.clone())));
                    Bytes::from(split.rest)
                }
                None => body,
            },
            (false, _) => body,
        };

        let mut builder = http::Response::builder()
            .status(status)
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let buffered = builder
            .body(body)
            .unwrap_or_else(|_| http::Response::new(Bytes::new()));
        Ok(reqwest::Response::from(buffered))
    }
}

/// A body read chunk by chunk: a body that arrives in one chunk (the usual
/// case for a page) is kept as that chunk, not copied; one that arrives in
/// several is gathered into one buffer.
#[derive(Default)]
struct Body {
    first: Option<Bytes>,
    gathered: Option<BytesMut>,
}

impl Body {
    fn len(&self) -> usize {
        match (&self.first, &self.gathered) {
            (_, Some(gathered)) => gathered.len(),
            (Some(first), None) => first.len(),
            (None, None) => 0,
        }
    }

    /// Adds a chunk; `capacity` is what a gathering buffer starts with.
    fn push(&mut self, chunk: Bytes, capacity: usize) {
        if let Some(gathered) = &mut self.gathered {
            gathered.extend_from_slice(&chunk);
        } else if let Some(first) = self.first.take() {
            let mut gathered = BytesMut::with_capacity(capacity.max(first.len() + chunk.len()));
            gathered.extend_from_slice(&first);
            gathered.extend_from_slice(&chunk);
            self.gathered = Some(gathered);
        } else {
            self.first = Some(chunk);
        }
    }

    fn into_bytes(self) -> Bytes {
        match (self.first, self.gathered) {
            (_, Some(gathered)) => gathered.freeze(),
            (Some(first), None) => first,
            (None, None) => Bytes::new(),
        }
    }
}
