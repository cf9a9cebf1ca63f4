//! Sending one request through the generated client: the progenitor hooks
//! (authorization, user agent, timeout, bounded body), turning its outcome
//! into a [`RawPage`] or an [`Error`], and the retry loop around it.

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{
    header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT},
    StatusCode,
};

use crate::{
    client::Settings, generated, retry::Decision, text, ApiError, Client, DecodeError, Error,
    ListAuditLogsParams, Problem, RawPage, RetryAfter, RetryHistory, TransportError,
};

/// The largest part of an error body kept (64 KiB).
const MAX_ERROR_BODY: usize = 64 * 1024;
/// The header progenitor adds with the document's `info.version`; the API
/// documents no such header, so it is not sent.
const API_VERSION_HEADER: &str = "api-version";
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
    body_seen: Option<BodySeen>,
}

#[derive(Default)]
struct Observed {
    status: Option<StatusCode>,
    content_type: Option<String>,
    too_large: bool,
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

    fn observed<T>(&self, f: impl FnOnce(&Observed) -> T) -> T {
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
        let settings = &self.inner().settings;
        let headers = request.headers_mut();
        headers.remove(API_VERSION_HEADER);
        // Success bodies are JSON; the documented errors are problem+json.
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPTED_TYPES));
        headers.insert(AUTHORIZATION, settings.authorization.clone());
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
        let mut response = self.client().execute(request).await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        hooks.observe(|o| {
            o.status = Some(status);
            o.content_type = content_type;
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

/// Fetches one page, retrying as the client's policy allows. The parameters
/// must already be valid.
pub(crate) async fn fetch_page(
    client: &Client,
    params: &ListAuditLogsParams,
    body_seen: Option<BodySeen>,
) -> Result<RawPage, Error> {
    let policy = &client.inner.settings.retry;
    let mut history = RetryHistory::default();
    let gate = &client.inner.settings.gate;
    loop {
        history.attempts += 1;
        gate.pass().await;
        let error = match attempt(client, params, body_seen.clone()).await {
            Ok(page) => {
                if history.attempts > 1 {
                    tracing::info!(
                        attempts = history.attempts,
                        cursor = params.cursor.as_deref(),
                        "page fetched after retries"
                    );
                }
                return Ok(page);
            }
            Err(e) => e,
        };
        if matches!(error, Error::RateLimited(_)) {
            gate.note_rate_limited();
        }
        match policy.decide(&error, history.attempts) {
            Decision::RetryAfter(wait) => {
                // Rate limits and server-requested waits hold every request of
                // this client; other failures back off this request alone.
                if error.retry_after().is_some() || matches!(error, Error::RateLimited(_)) {
                    gate.hold(wait);
                }
                tracing::warn!(
                    attempt = history.attempts,
                    max_attempts = policy.attempts(),
                    wait_ms = wait.as_millis() as u64,
                    cursor = params.cursor.as_deref(),
                    error = %error,
                    "request failed; retrying"
                );
                history.earlier.push(format!(
                    "{} (waited {} ms)",
                    short_reason(&error),
                    wait.as_millis()
                ));
                tokio::time::sleep(wait).await;
            }
            Decision::GiveUp => {
                if error.is_retryable() {
                    tracing::warn!(
                        attempts = history.attempts,
                        cursor = params.cursor.as_deref(),
                        error = %error,
                        "request failed; giving up"
                    );
                }
                return Err(error.with_history(history));
            }
        }
    }
}

/// One line on why an attempt failed, for the retry history.
fn short_reason(error: &Error) -> String {
    match error {
        Error::Transport(e) => format!("{:?} error", e.kind).to_lowercase(),
        Error::InvalidResponse(_) => "truncated body".to_owned(),
        other => match other.status() {
            Some(s) => format!("HTTP {}", s.as_u16()),
            None => "error".to_owned(),
        },
    }
}

/// One attempt: the generated builder sends the request, then its outcome is
/// classified.
async fn attempt(
    client: &Client,
    params: &ListAuditLogsParams,
    body_seen: Option<BodySeen>,
) -> Result<RawPage, Error> {
    let inner = &client.inner;
    let mut hooks = Hooks::new(inner.settings.clone());
    hooks.body_seen = body_seen;
    let generated =
        generated::Client::new_with_client(&inner.base_url, inner.http.clone(), hooks.clone());
    let mut request = generated.list_audit_logs();
    request = params.apply(request)?;
    let outcome = request.send().await;

    let endpoint = || inner.endpoint.clone();
    if hooks.observed(|o| o.too_large) {
        return Err(Error::ResponseTooLarge {
            status: hooks.observed(|o| o.status).unwrap_or(StatusCode::OK),
            limit: inner.settings.max_response_bytes,
            endpoint: endpoint(),
        });
    }
    match outcome {
        Ok(value) => {
            let status = value.status();
            let headers = value.headers().clone();
            let body = value.into_inner();
            Ok(RawPage::new(body.logs, body.pagination, status, headers))
        }
        Err(progenitor_client::Error::ErrorResponse(value)) => {
            let status = value.status();
            let headers = value.headers().clone();
            let body = collect(value.into_inner()).await;
            Err(api_error(status, &headers, &body, endpoint()))
        }
        Err(progenitor_client::Error::UnexpectedResponse(response)) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            Err(api_error(status, &headers, &body, endpoint()))
        }
        Err(progenitor_client::Error::InvalidResponsePayload(body, source)) => {
            Err(Error::InvalidResponse(DecodeError {
                status: hooks.observed(|o| o.status).unwrap_or(StatusCode::OK),
                content_type: hooks.observed(|o| o.content_type.clone()),
                excerpt: text::excerpt(&body, 200),
                reason: source.to_string(),
                truncated: source.is_eof(),
                history: RetryHistory::default(),
            }))
        }
        Err(
            progenitor_client::Error::CommunicationError(e)
            | progenitor_client::Error::ResponseBodyError(e)
            | progenitor_client::Error::InvalidUpgrade(e),
        ) => Err(Error::Transport(TransportError::new(e, endpoint()))),
        Err(
            progenitor_client::Error::InvalidRequest(why) | progenitor_client::Error::Custom(why),
        ) => Err(Error::Internal(why)),
    }
}

/// Gathers an already-buffered body stream (see [`Hooks`]'s `exec`).
async fn collect(mut stream: progenitor_client::ByteStream) -> Vec<u8> {
    use futures::StreamExt;
    let mut body = Vec::new();
    while let Some(Ok(chunk)) = stream.next().await {
        body.extend_from_slice(&chunk);
    }
    body
}

/// Builds the error for a non-success status (or an undeclared success one).
pub(crate) fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: String,
) -> Error {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let jsonish = match content_type.as_deref() {
        None => true,
        Some(ct) => ct == "application/json" || ct.ends_with("+json"),
    };
    let problem = if jsonish {
        serde_json::from_slice::<Problem>(body).ok()
    } else {
        None
    };
    let body_text = if problem.is_none() {
        let kept = &body[..body.len().min(MAX_ERROR_BODY)];
        Some(String::from_utf8_lossy(kept).into_owned())
    } else {
        None
    };
    let error = Box::new(ApiError {
        status,
        problem,
        body: body_text,
        retry_after: RetryAfter::from_headers(headers),
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        endpoint,
        history: RetryHistory::default(),
    });
    match status.as_u16() {
        400 => Error::BadRequest(error),
        401 => Error::Unauthorized(error),
        403 => Error::Forbidden(error),
        429 => Error::RateLimited(error),
        500..=599 => Error::Server(error),
        _ => Error::UnexpectedStatus(error),
    }
}
