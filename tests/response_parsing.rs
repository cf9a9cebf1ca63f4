//! The documented answers, served byte for byte, and what the client makes of
//! them; plus the answers the document does not promise but servers send.

mod common;

use arize_audit_logs::{Error, OperationType, TransportErrorKind};
use common::{client, fixture, respond};
use serde::Serialize;
use wiremock::{MockServer, ResponseTemplate};

/// An error as a user sees it: its class, status, Problem and message.
#[derive(Serialize)]
struct ErrorView {
    variant: String,
    status: Option<u16>,
    problem: Option<arize_audit_logs::Problem>,
    body: Option<String>,
    retry_after_secs: Option<u64>,
    display: String,
}

impl ErrorView {
    fn of(error: &Error) -> Self {
        let debug = format!("{error:?}");
        Self {
            variant: debug
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or_default()
                .to_owned(),
            status: error.status().map(|s| s.as_u16()),
            problem: error.problem().cloned(),
            body: error.api_error().and_then(|e| e.body.clone()),
            retry_after_secs: error.retry_after().map(|r| r.delay().as_secs()),
            display: error.to_string(),
        }
    }
}

async fn error_for(template: ResponseTemplate) -> (Error, MockServer) {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/v2/audit-logs"))
        .respond_with(template)
        .mount(&server)
        .await;
    let error = client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect_err("the server answers with an error");
    (error, server)
}

/// Snapshots an error with the server's address (its port varies) redacted.
fn snapshot_error(name: &str, error: &Error, server: &MockServer) {
    let mut view = ErrorView::of(error);
    view.display = view.display.replace(&server.uri(), "http://[host:port]");
    insta::assert_yaml_snapshot!(name, view);
}

#[tokio::test]
async fn documented_200_example_parses_into_typed_page() {
    let server = MockServer::start().await;
    respond(200, "application/json", fixture("list_audit_logs_200.json"))
        .mount(&server)
        .await;
    let page = client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect("page");
    assert_eq!(page.status.as_u16(), 200);
    assert_eq!(
        page.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert!(page.has_more());
    assert_eq!(
        page.next_cursor(),
        Some("eyJjcmVhdGVkQXQiOiIyMDI2LTA1LTE4VDEyOjAwOjAwLjAwMFoiLCJpZCI6NDJ9")
    );
    let entry = &page.logs[0];
    assert_eq!(entry.operation_type, OperationType::Mutation);
    assert_eq!(
        entry.variables_json().and_then(Result::ok),
        Some(serde_json::json!({}))
    );
    insta::assert_debug_snapshot!("documented_200_example", (&page.logs, &page.pagination));
}

#[tokio::test]
async fn documented_400_example_is_bad_request_with_problem() {
    let (error, server) = error_for(
        ResponseTemplate::new(400)
            .set_body_raw(fixture("problem_400.json"), "application/problem+json"),
    )
    .await;
    assert!(matches!(error, Error::BadRequest(_)));
    snapshot_error("documented_400_example", &error, &server);
}

#[tokio::test]
async fn documented_401_example_is_unauthorized_and_says_check_key_and_region() {
    let (error, server) = error_for(
        ResponseTemplate::new(401)
            .set_body_raw(fixture("problem_401.json"), "application/problem+json"),
    )
    .await;
    assert!(matches!(error, Error::Unauthorized(_)));
    let text = error.to_string();
    assert!(text.contains("region") && text.contains("key"), "{text}");
    snapshot_error("documented_401_example", &error, &server);
}

#[tokio::test]
async fn documented_403_example_is_forbidden_and_names_admin_and_audit_logging() {
    let (error, server) = error_for(
        ResponseTemplate::new(403)
            .set_body_raw(fixture("problem_403.json"), "application/problem+json"),
    )
    .await;
    assert!(matches!(error, Error::Forbidden(_)));
    let text = error.to_string();
    assert!(
        text.contains("account admin") && text.contains("audit logging enabled"),
        "{text}"
    );
    snapshot_error("documented_403_example", &error, &server);
}

#[tokio::test]
async fn documented_429_example_is_rate_limited_with_retry_after() {
    let (error, server) = error_for(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "42")
            .set_body_raw(fixture("problem_429.json"), "application/problem+json"),
    )
    .await;
    assert!(matches!(error, Error::RateLimited(_)));
    assert!(error.is_retryable());
    snapshot_error("documented_429_example", &error, &server);
}

#[tokio::test]
async fn problem_in_plain_json_is_parsed_and_error_code_kept() {
    let body = br#"{"status":400,"title":"Bad","detail":"limit too big","error_code":"LIMIT"}"#;
    let (error, _server) =
        error_for(ResponseTemplate::new(400).set_body_raw(body.to_vec(), "application/json")).await;
    let problem = error.problem().expect("plain JSON problem parsed");
    assert_eq!(problem.error_code(), Some("LIMIT"));
    assert!(error
        .to_string()
        .contains("limit too big (error_code LIMIT)"));
}

#[tokio::test]
async fn html_error_page_from_a_proxy_keeps_raw_body() {
    let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec();
    let (error, server) =
        error_for(ResponseTemplate::new(502).set_body_raw(html, "text/html")).await;
    assert!(matches!(error, Error::Server(_)));
    assert!(error.problem().is_none());
    snapshot_error("proxy_502_html", &error, &server);
}

#[tokio::test]
async fn undeclared_status_is_unexpected_status_with_body() {
    let (error, _server) =
        error_for(ResponseTemplate::new(404).set_body_raw(b"no such route".to_vec(), "text/plain"))
            .await;
    assert!(matches!(error, Error::UnexpectedStatus(_)));
    assert_eq!(
        error.api_error().and_then(|e| e.body.as_deref()),
        Some("no such route")
    );
}

#[tokio::test]
async fn success_body_that_does_not_decode_is_typed_error_with_excerpt() {
    let (error, _server) = error_for(
        ResponseTemplate::new(200).set_body_raw(b"<html>maintenance</html>".to_vec(), "text/html"),
    )
    .await;
    let Error::InvalidResponse(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode.status.as_u16(), 200);
    assert_eq!(decode.content_type.as_deref(), Some("text/html"));
    assert_eq!(decode.excerpt, "<html>maintenance</html>");
    assert!(!decode.truncated);
}

#[tokio::test]
async fn success_body_missing_a_required_member_names_it() {
    let (error, _server) = error_for(
        ResponseTemplate::new(200).set_body_raw(br#"{"logs":[]}"#.to_vec(), "application/json"),
    )
    .await;
    let Error::InvalidResponse(decode) = &error else {
        panic!("{error:?}")
    };
    assert!(decode.reason.contains("pagination"), "{}", decode.reason);
}

/// A page written as servers write it, entries in the document's order
/// (the one-pass read), whose `pagination` is broken: the error is the one
/// the body as sent gives, excerpt and position included.
#[tokio::test]
async fn a_compact_page_with_broken_pagination_is_reported_as_sent() {
    let entry = r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":null,"operation_text":null,"variables":null,"created_at":"2026-05-18T12:00:00Z"}"#;
    let body = format!(r#"{{"logs":[{entry}],"pagination":{{"has_more":"yes"}}}}"#);
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Wire {
        logs: Vec<serde_json::Value>,
        pagination: arize_audit_logs::Pagination,
    }
    let as_sent = serde_json::from_str::<Wire>(&body)
        .err()
        .expect("pagination is broken");
    let (error, _server) = error_for(
        ResponseTemplate::new(200).set_body_raw(body.clone().into_bytes(), "application/json"),
    )
    .await;
    let Error::InvalidResponse(decode) = &error else {
        panic!("{error:?}")
    };
    assert!(
        decode.excerpt.starts_with(r#"{"logs":[{"id":"a""#),
        "{}",
        decode.excerpt
    );
    // serde_json's own words for the body as sent, with its position.
    assert_eq!(decode.reason, as_sent.to_string());
}

#[tokio::test]
async fn body_larger_than_the_limit_is_refused_without_reading_it_all() {
    let server = MockServer::start().await;
    respond(200, "application/json", vec![b' '; 2 * 1024 * 1024])
        .mount(&server)
        .await;
    let client = common::builder(&server.uri())
        .max_response_bytes(1024 * 1024)
        .build()
        .expect("client");
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("too large");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_naming_the_endpoint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = common::builder(&format!("http://{addr}"))
        .retry_policy(arize_audit_logs::RetryPolicy::none())
        .build()
        .expect("client");
    let error = client.list_audit_logs().send().await.expect_err("refused");
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind, TransportErrorKind::Connect);
    assert!(
        error
            .to_string()
            .contains(&format!("http://{addr}/v2/audit-logs")),
        "{error}"
    );
    assert!(error.is_retryable());
}

/// The generated client, asked directly, decodes a page as written: the
/// wrapper's one-pass read of a compact page is its own, and never leaves
/// a caller of `Client::generated` a page without its entries.
#[tokio::test]
async fn the_generated_client_gets_every_entry_of_a_compact_page() {
    let entry = r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":null,"operation_text":null,"variables":null,"created_at":"2026-05-18T12:00:00Z"}"#;
    let body = format!(
        r#"{{"logs":[{entry},{}],"pagination":{{"has_more":false}}}}"#,
        entry.replace(r#""a""#, r#""b""#)
    );
    let server = MockServer::start().await;
    respond(200, "application/json", body.into_bytes())
        .mount(&server)
        .await;
    let client = client(&server);
    let page = client
        .generated()
        .list_audit_logs()
        .send()
        .await
        .expect("a page")
        .into_inner();
    let ids: Vec<&str> = page.logs.iter().map(|e| e.id()).collect();
    assert_eq!(ids, ["a", "b"]);
    let wrapped = client.list_audit_logs().send().await.expect("a page");
    let ids: Vec<&str> = wrapped.logs.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
}
