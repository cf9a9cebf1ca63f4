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
}

impl Hooks {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            observed: Arc::default(),
            body_seen: None,
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
        let mut body = BytesMut::with_capacity(declared.unwrap_or(8 * 1024).min(limit));
        let mut too_large = declared.is_some_and(|n| n > limit);
        while !too_large {
            let Some(chunk) = response.chunk().await? else {
                break;
            };
            if body.len() + chunk.len() > limit {
                too_large = true;
            } else {
                body.extend_from_slice(&chunk);
            }
        }
        if too_large {
            hooks.observe(|o| o.too_large = true);
            body.clear();
        } else if let (true, Some(seen)) = (status.is_success(), &hooks.body_seen) {
            if seen(&body) {
                // Let the next page's request go out before this one is decoded.
                tokio::task::yield_now().await;
            }
        }

        let mut builder = http::Response::builder()
            .status(status)
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let buffered = builder
            .body(body.freeze())
            .unwrap_or_else(|_| http::Response::new(Bytes::new()));
        Ok(reqwest::Response::from(buffered))
    }
}
