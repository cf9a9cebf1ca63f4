//! Answers one request the way the fact sheet says the real endpoint does.

use std::{sync::atomic::Ordering, time::Duration};

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{header, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use serde::Serialize;

use super::{
    cursor::{fingerprint, Cursor},
    Body, ContractFault, Faults, PageFault, Shared, Stored,
};
use crate::{model::audit_log::AuditLog, model::page::Pagination};

/// The connection is closed without an answer (a fault).
#[derive(Debug)]
pub(super) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Answers `request`, with a `Date` header from the server's clock.
pub(super) async fn handle(
    shared: &Shared,
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, Dropped> {
    let mut response = if request.uri().path() == "/oauth2/token" {
        // The app host's sign-in endpoint: faults target the audit log.
        oauth_token(shared, request).await
    } else {
        answer(shared, request).await?
    };
    let date = httpdate::fmt_http_date(shared.now().into());
    if let Ok(value) = header::HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, value);
    }
    Ok(response)
}

async fn answer<B>(shared: &Shared, request: Request<B>) -> Result<Response<Body>, Dropped> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let faults = shared.faults();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let roll = |p: f64| p > 0.0 && shared.roll() < p;
    if roll(faults.drop_connection) {
        return Err(Dropped);
    }
    if roll(faults.rate_limit) {
        let mut response = problem(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded",
            "You have exceeded the allowed number of requests. Please try again later.",
        );
        if let Some(secs) = faults.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        return Ok(response);
    }
    if roll(faults.server_error) {
        return Ok(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable",
            "The service is temporarily unavailable. Please try again later.",
        ));
    }
    let truncate = roll(faults.truncate_body);

    if request.uri().path() != "/v2/audit-logs" {
        return Ok(problem(
            StatusCode::NOT_FOUND,
            "Not found",
            "No such resource.",
        ));
    }
    if request.method() != http::Method::GET {
        let mut response = problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "Use GET.",
        );
        // RFC 9110: a 405 lists the methods the resource supports.
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
        return Ok(response);
    }
    if let Some(denied) = authorize(shared, &request) {
        return Ok(denied);
    }
    let response = match list(shared, request.uri().query().unwrap_or(""), &faults) {
        Ok(body) => json_response(StatusCode::OK, "application/json", body),
        Err(rejection) => problem(rejection.status, rejection.title, &rejection.detail),
    };
    let response = break_contract(response, faults.contract);
    Ok(if truncate {
        truncated(response).await
    } else {
        response
    })
}

/// `POST /oauth2/token` (see [`super::oauth`]).
async fn oauth_token(shared: &Shared, request: Request<hyper::body::Incoming>) -> Response<Body> {
    if request.method() != http::Method::POST {
        let mut response = problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "Use POST.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    // A sign-in form is a few hundred bytes; refuse anything unreasonable.
    let limited = http_body_util::Limited::new(request.into_body(), 64 * 1024);
    let Ok(form) = limited.collect().await.map(|c| c.to_bytes()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The form could not be read.",
        );
    };
    super::oauth::token(
        &shared.oauth,
        shared.config.oauth_token_lifetime,
        shared.secret,
        &form,
    )
}

fn authorize<B>(shared: &Shared, request: &Request<B>) -> Option<Response<Body>> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(key) if key == shared.config.api_key => None,
        Some(token) if shared.oauth_accepts(token) => None,
        Some(key) if shared.config.non_admin_keys.iter().any(|k| k == key) => Some(problem(
            StatusCode::FORBIDDEN,
            "Access forbidden",
            "You do not have permission to access this resource.",
        )),
        _ => Some(problem(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            "You must be authenticated to access this resource.",
        )),
    }
}

#[derive(Serialize)]
struct PageOut<'a> {
    logs: Vec<EntryOut<'a>>,
    pagination: Pagination,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

/// An entry with members the document does not declare, some of them
/// between the documented ones.
struct EntryOut<'a> {
    entry: &'a AuditLog,
    risk_score: u8,
}

/// A nested unknown member whose number texts re-encoding would change.
const TENANT: &str =
    r#"{"region":"eu-west-1a","tags":["a",{"deep":[1.50,null,1e3,12345678901234567890123]}]}"#;

impl Serialize for EntryOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let e = self.entry;
        let tenant: &serde_json::value::RawValue =
            serde_json::from_str(TENANT).map_err(serde::ser::Error::custom)?;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &e.id)?;
        map.serialize_entry("tenant", tenant)?;
        map.serialize_entry("user_id", &e.user_id)?;
        map.serialize_entry("ip", &e.ip)?;
        map.serialize_entry("operation_type", &e.operation_type)?;
        map.serialize_entry("operation_name", &e.operation_name)?;
        map.serialize_entry("risk_score", &self.risk_score)?;
        map.serialize_entry("operation_text", &e.operation_text)?;
        map.serialize_entry("variables", &e.variables)?;
        map.serialize_entry("created_at", &*e.created_at_text())?;
        map.serialize_entry(
            "geo",
            &serde_json::json!({ "country": "NL", "asn": 64_496 }),
        )?;
        map.end()
    }
}

#[derive(Serialize)]
struct PlainPageOut<'a> {
    logs: Vec<&'a AuditLog>,
    pagination: Pagination,
}

/// Why a request is refused, before it becomes a Problem response.
struct Rejection {
    status: StatusCode,
    title: &'static str,
    detail: String,
}

fn list(shared: &Shared, query: &str, faults: &Faults) -> Result<Vec<u8>, Rejection> {
    let mut start_raw = None;
    let mut end_raw = None;
    let mut user_id = None;
    let mut operation_type = None;
    let mut limit_raw = None;
    let mut cursor_raw = None;
    let mut operation_names: Vec<String> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match name.as_ref() {
            "operation_name" => {
                operation_names.push(value.into_owned());
                continue;
            }
            "start_time" => &mut start_raw,
            "end_time" => &mut end_raw,
            "user_id" => &mut user_id,
            "operation_type" => &mut operation_type,
            "limit" => &mut limit_raw,
            "cursor" => &mut cursor_raw,
            _ => continue,
        };
        slot.get_or_insert(value.into_owned());
    }

    let mut limit: usize = match limit_raw.as_deref() {
        None => crate::list::params::DEFAULT_LIMIT as usize,
        Some(raw) => match raw.parse::<u32>() {
            Ok(n)
                if (crate::list::params::MIN_LIMIT..=crate::list::params::MAX_LIMIT)
                    .contains(&n) =>
            {
                n as usize
            }
            _ => {
                return Err(bad_request(
                    "The 'limit' parameter must be an integer from 1 to 100.",
                ))
            }
        },
    };
    let parse_time =
        |raw: &Option<String>, name: &str| -> Result<Option<DateTime<Utc>>, Rejection> {
            raw.as_deref()
                .map(|r| {
                    DateTime::parse_from_rfc3339(r)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| {
                            bad_request(&format!(
                                "The '{name}' parameter must be an ISO 8601 date-time."
                            ))
                        })
                })
                .transpose()
        };
    if faults.contract == ContractFault::IgnoreLimit {
        limit = crate::list::params::DEFAULT_LIMIT as usize;
    }
    let start = parse_time(&start_raw, "start_time")?;
    let end = parse_time(&end_raw, "end_time")?;
    if let Some(t) = operation_type.as_deref() {
        if !matches!(t, "QUERY" | "MUTATION" | "SUBSCRIPTION") {
            return Err(bad_request(
                "The 'operation_type' parameter must be one of QUERY, MUTATION, SUBSCRIPTION.",
            ));
        }
    }
    if user_id.as_deref() == Some("") {
        return Err(bad_request("The 'user_id' parameter must not be empty."));
    }
    if operation_names.len() > 20
        || operation_names
            .iter()
            .any(|n| n.is_empty() || n.chars().count() > 255)
    {
        return Err(bad_request(
            "The 'operation_name' parameter takes 1 to 20 names of 1 to 255 characters each.",
        ));
    }
    let filters = fingerprint(
        start_raw.as_deref(),
        end_raw.as_deref(),
        user_id.as_deref(),
        operation_type.as_deref(),
        &operation_names,
    );

    let (window, after) = match cursor_raw.as_deref() {
        Some(text) => {
            let cursor = Cursor::decode(text, shared.secret).ok_or_else(|| {
                bad_request("The 'cursor' parameter is not a cursor this API issued.")
            })?;
            if cursor.filters != filters {
                return Err(bad_request(
                    "The 'cursor' parameter was issued for other filters; pass the same filters with it.",
                ));
            }
            (cursor.window, Some(cursor.after))
        }
        None => {
            let end = end.unwrap_or_else(|| shared.now());
            let start = start.unwrap_or(end - TimeDelta::days(30));
            if start > end {
                return Err(bad_request("'start_time' must not be after 'end_time'."));
            }
            ((nanos(start), nanos(end)), None)
        }
    };

    let store = shared.store.read().unwrap_or_else(|p| p.into_inner());
    let entries: &[Stored] = &store;
    // Newest first: skip what is newer than the window's end or the cursor.
    let window_first = entries.partition_point(|s| s.key.0 > window.1);
    let first = match (after, faults.pages) {
        (Some(_), PageFault::Loop) => window_first,
        (Some(key), PageFault::Overlap) => {
            entries.partition_point(|s| s.key >= key).saturating_sub(1)
        }
        (Some(key), _) => entries.partition_point(|s| s.key >= key),
        (None, _) => window_first,
    };
    let mut page: Vec<&Stored> = Vec::with_capacity(limit + 1);
    let now = std::time::Instant::now();
    for stored in entries[first..].iter().take_while(|s| s.key.0 >= window.0) {
        if !stored.visible(now) {
            continue;
        }
        let entry = &stored.entry;
        let filter_user = faults.contract != ContractFault::IgnoreUserIdFilter;
        if (filter_user && user_id.as_deref().is_some_and(|u| u != entry.user_id))
            || operation_type
                .as_deref()
                .is_some_and(|t| t != entry.operation_type.as_str())
            || (!operation_names.is_empty()
                && !entry
                    .operation_name
                    .as_ref()
                    .is_some_and(|n| operation_names.contains(n)))
        {
            continue;
        }
        page.push(stored);
        if page.len() > limit {
            break;
        }
    }
    let has_more = page.len() > limit;
    page.truncate(limit);
    let nonce = (faults.pages == PageFault::Loop).then(|| shared.requests.load(Ordering::Relaxed));
    let next_cursor = if has_more {
        page.last().map(|last| {
            Cursor {
                after: last.key,
                window,
                filters,
            }
            .encode_with_nonce(shared.secret, nonce)
        })
    } else {
        None
    };
    if faults.pages == PageFault::OldestFirst {
        page.reverse();
    }
    let pagination = Pagination::new(has_more, next_cursor);

    let body = if faults.unknown_members {
        serde_json::to_vec(&PageOut {
            logs: page
                .iter()
                .map(|s| EntryOut {
                    entry: &s.entry,
                    risk_score: (s.key.1 % 100) as u8,
                })
                .collect(),
            pagination,
            request_id: Some(format!("req-{}", shared.requests.load(Ordering::Relaxed))),
        })
    } else {
        serde_json::to_vec(&PlainPageOut {
            logs: page.iter().map(|s| &s.entry).collect(),
            pagination,
        })
    };
    body.map(|b| break_entries(b, faults.contract))
        .map_err(|e| Rejection {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal error",
            detail: e.to_string(),
        })
}

pub(super) fn nanos(t: DateTime<Utc>) -> i64 {
    // Outside ±292 years of 1970 nanoseconds overflow; clamp instead.
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Applies a [`ContractFault`] to an answer already made.
fn break_contract(response: Response<Body>, fault: ContractFault) -> Response<Body> {
    let status = response.status();
    match fault {
        ContractFault::HtmlErrors if !status.is_success() => {
            let mut html = json_response(
                status,
                "text/html; charset=utf-8",
                format!(
                    "<html><body><h1>{} {}</h1></body></html>",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("Error")
                )
                .into_bytes(),
            );
            if let Some(wait) = response.headers().get(header::RETRY_AFTER) {
                html.headers_mut().insert(header::RETRY_AFTER, wait.clone());
            }
            html
        }
        _ => response,
    }
}

/// A page's JSON with every entry broken as `fault` says (wrong type,
/// missing member); other faults leave it as it is.
fn break_entries(body: Vec<u8>, fault: ContractFault) -> Vec<u8> {
    if !matches!(
        fault,
        ContractFault::WrongType | ContractFault::MissingRequired
    ) {
        return body;
    }
    let Ok(mut page) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    if let Some(logs) = page.get_mut("logs").and_then(|l| l.as_array_mut()) {
        for entry in logs.iter_mut().filter_map(|e| e.as_object_mut()) {
            if fault == ContractFault::WrongType {
                entry.insert("ip".into(), serde_json::json!(3_221_225_985_u32));
            } else {
                entry.remove("user_id");
            }
        }
    }
    page.to_string().into_bytes()
}

fn bad_request(detail: &str) -> Rejection {
    Rejection {
        status: StatusCode::BAD_REQUEST,
        title: "Invalid request parameters",
        detail: detail.to_owned(),
    }
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response<Body> {
    let slug = title.to_ascii_lowercase().replace(' ', "-");
    let body = serde_json::json!({
        "status": status.as_u16(),
        "title": title,
        "detail": detail,
        "instance": "/v2/audit-logs",
        "type": format!("https://arize.com/docs/ax/rest-reference/errors#{slug}"),
    });
    json_response(
        status,
        "application/problem+json",
        body.to_string().into_bytes(),
    )
}

fn json_response(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Body> {
    let length = body.len();
    let mut response = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, length.into());
    response
}

/// Declares the full length but sends half the body, then breaks off.
async fn truncated(response: Response<Body>) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let full = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let half = full.slice(..full.len() / 2);
    let first = futures::stream::iter([Ok(Frame::data(half))]);
    // The break comes a moment later, so the headers and the first half are
    // on the wire before it.
    let broken = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "truncated by fault injection",
        ))
    });
    let stream = futures::StreamExt::chain(first, broken);
    Response::from_parts(parts, BodyExt::boxed(StreamBody::new(stream)))
}
