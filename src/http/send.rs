//! Sending one request through the generated client, and the retry loop
//! around it: each attempt's outcome becomes a [`RawPage`] or an [`Error`].

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::{
    error::DecodeError, error::Error, error::RetryHistory, error::TransportError, generated,
    http::errors::api_error, http::hooks::BodySeen, http::hooks::Hooks,
    http::settings::ClientInner, list::params::ListAuditLogsParams, model::page::RawPage,
    model::text, retry::gate::RateLimits, retry::policy::Decision,
};

/// Fetches one page, retrying as the client's policy allows, counting every
/// 429 it receives in `limits` (its stream's). The parameters must already be
/// valid.
pub(crate) async fn fetch_page(
    client: &ClientInner,
    params: &ListAuditLogsParams,
    body_seen: Option<BodySeen>,
    limits: &RateLimits,
) -> Result<RawPage, Error> {
    let policy = &client.settings.retry;
    let mut history = RetryHistory::default();
    let gate = &client.settings.gate;
    // Time the next attempt waited because of a rate limit.
    let mut rate_limit_wait = Duration::ZERO;
    loop {
        history.attempts += 1;
        let gated = Instant::now();
        gate.pass().await;
        rate_limit_wait += gated.elapsed();
        let attempted = Attempt {
            number: history.attempts,
            rate_limit_wait: std::mem::take(&mut rate_limit_wait),
        };
        let error = match attempt(client, params, body_seen.clone(), attempted).await {
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
            limits.note();
        }
        match policy.decide(&error, history.attempts) {
            Decision::RetryAfter(wait) => {
                // Rate limits and server-requested waits hold every request of
                // this client; other failures back off this request alone.
                let rate_limited =
                    error.retry_after().is_some() || matches!(error, Error::RateLimited(_));
                if rate_limited {
                    gate.hold(wait);
                    rate_limit_wait = wait;
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

/// Which attempt of a request this is, and how long it waited on a rate
/// limit before it went out.
#[derive(Clone, Copy)]
struct Attempt {
    number: u32,
    rate_limit_wait: Duration,
}

/// The target of the event logged for every attempt of every request (see
/// the crate's documentation, "Observability").
pub const REQUEST_LOG_TARGET: &str = "arize_audit_logs::request";
const REQUEST_TARGET: &str = REQUEST_LOG_TARGET;

/// One attempt, logged as one `DEBUG` event on [`REQUEST_TARGET`] when it
/// ends: method, path and query, status, attempt, duration, the request id
/// a server sent, and the rate-limit wait before it.
async fn attempt(
    client: &ClientInner,
    params: &ListAuditLogsParams,
    body_seen: Option<BodySeen>,
    attempted: Attempt,
) -> Result<RawPage, Error> {
    let mut hooks = Hooks::new(client.settings.clone());
    hooks.body_seen = body_seen;
    hooks.scan_pages = true;
    let started = Instant::now();
    let outcome = classify(client, params, &hooks).await;
    if tracing::enabled!(target: REQUEST_TARGET, tracing::Level::DEBUG) {
        let (path, status, request_id) = hooks.observed(|o| {
            (
                o.path.clone().unwrap_or_default(),
                o.status.map(|s| s.as_u16()),
                o.request_id.clone(),
            )
        });
        let redactor = &hooks.redactor();
        let failure = outcome.as_ref().err().map(short_reason);
        tracing::debug!(
            target: REQUEST_TARGET,
            method = "GET",
            path = %text::escape_control(&redactor.text(path)),
            status,
            attempt = attempted.number,
            duration_ms = started.elapsed().as_millis() as u64,
            request_id = request_id.map(|id| text::escape_control(&redactor.text(id))),
            rate_limit_wait_ms = attempted.rate_limit_wait.as_millis() as u64,
            failure,
            "request"
        );
    }
    outcome
}

/// Sends the request through the generated builder, then classifies its
/// outcome.
async fn classify(
    client: &ClientInner,
    params: &ListAuditLogsParams,
    hooks: &Hooks,
) -> Result<RawPage, Error> {
    let inner = client;
    // The bearer of this attempt: asked for before anything is sent, so a
    // source that cannot give one fails with its own error.
    hooks.credential().await?;
    let generated =
        generated::Client::new_with_client(&inner.base_url, inner.http.clone(), hooks.clone());
    let mut request = generated.list_audit_logs();
    request = params.apply(request)?;
    let outcome = request.send().await;

    let endpoint = || inner.endpoint.clone();
    let redactor = &hooks.redactor();
    if let Some((status, location)) = hooks.observed(|o| o.redirect.clone()) {
        return Err(Error::Redirected {
            status,
            location: text::escape_control(&redactor.text(location)),
            endpoint: endpoint(),
        });
    }
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
            // The entries the hook read itself, when it could; the
            // generated code decoded the rest of the body.
            let logs = match hooks.take_scanned() {
                Some((logs, _)) => logs,
                None => body.logs,
            };
            Ok(RawPage::new(logs, body.pagination, status, headers))
        }
        Err(progenitor_client::Error::ErrorResponse(value)) => {
            let status = value.status();
            let headers = value.headers().clone();
            let body = collect(value.into_inner()).await;
            Err(api_error(status, &headers, &body, endpoint(), redactor))
        }
        Err(progenitor_client::Error::UnexpectedResponse(response)) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            Err(api_error(status, &headers, &body, endpoint(), redactor))
        }
        Err(progenitor_client::Error::InvalidResponsePayload(body, source)) => {
            // The rest of a scanned body did not decode: the error is the
            // one the body as sent gives (a scan never decides one).
            // (What is left of a body fails only where the body does.)
            let (body, source) = match hooks.take_scanned() {
                Some((_, sent)) => {
                    match serde_json::from_slice::<generated::types::ListAuditLogsResponse>(&sent) {
                        Err(sent_error) => (sent, sent_error),
                        Ok(_) => (body, source),
                    }
                }
                None => (body, source),
            };
            Err(Error::InvalidResponse(DecodeError {
                status: hooks.observed(|o| o.status).unwrap_or(StatusCode::OK),
                content_type: hooks.observed(|o| o.content_type.clone()),
                excerpt: text::excerpt(&redactor.bytes(&body), 200),
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
