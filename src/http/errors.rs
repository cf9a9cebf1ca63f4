//! A non-success answer as the error a caller acts on: its Problem (or
//! body), `Retry-After` and request id, by status.

use reqwest::{
    header::{HeaderMap, CONTENT_TYPE},
    StatusCode,
};

use crate::{
    error::{ApiError, Error, RetryHistory},
    http::redact::Redactor,
    model::problem::Problem,
    retry::retry_after::RetryAfter,
};

impl Error {
    /// The error this client returns for a response with a non-success
    /// status: the class by status, the RFC 9457 Problem when the body is one,
    /// else the body text, and `Retry-After`. Useful with
    /// [`Client::generated`](crate::Client::generated), whose error bodies are
    /// untyped. Never panics, whatever the bytes.
    ///
    /// It does not know the API key, so it cannot take an echoed key out of
    /// the body: [`Client::error_from_response`](crate::Client::error_from_response)
    /// does.
    pub fn from_response(
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        endpoint: impl Into<String>,
    ) -> Self {
        api_error(status, headers, body, endpoint.into(), &Redactor::default())
    }
}

/// The largest part of an error body kept (64 KiB).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Builds the error for a non-success status (or an undeclared success one),
/// with every form of the API key taken out of the server's text.
pub(crate) fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: String,
    redactor: &Redactor,
) -> Error {
    let body = &redactor.bytes(body)[..];
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
        serde_json::from_slice::<Problem>(body)
            .ok()
            .map(|mut problem| {
                redactor.problem(&mut problem);
                problem
            })
    } else {
        None
    };
    let body_text = if problem.is_none() {
        let kept = &body[..body.len().min(MAX_ERROR_BODY)];
        Some(redactor.text(String::from_utf8_lossy(kept).into_owned()))
    } else {
        None
    };
    let error = Box::new(ApiError {
        status,
        problem,
        body: body_text,
        retry_after: RetryAfter::from_headers(headers),
        request_id: headers
            .get(crate::http::hooks::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(|id| redactor.text(id.to_owned())),
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
