//! A server or proxy that echoes the `Authorization` header back in an error
//! gets no key into what the library returns: the Problem's fields, the raw
//! body, the request id, a redirect's location, a bad body's excerpt.

mod common;

use arize_audit_logs::{Error, RetryPolicy};
use base64::Engine as _;
use common::{answering, builder};
use wiremock::{MockServer, ResponseTemplate};

const KEY: &str = "ak-7Hq2/zX+9pL=secretive";

fn client(server: &MockServer) -> arize_audit_logs::Client {
    builder(&server.uri())
        .api_key(KEY)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

/// Everything an error shows or carries, as one text.
fn shown(error: &Error) -> String {
    format!("{error}\n{error:?}")
}

fn assert_no_key(what: &str, error: &Error) {
    let text = shown(error);
    let lower = text.to_ascii_lowercase();
    assert!(
        !lower.contains(&KEY.to_ascii_lowercase()),
        "{what}: the key leaked: {text}"
    );
    for encoded in [
        base64::engine::general_purpose::STANDARD.encode(KEY),
        base64::engine::general_purpose::STANDARD.encode(format!("Bearer {KEY}")),
    ] {
        assert!(
            !text.contains(&encoded),
            "{what}: base64 key leaked: {text}"
        );
    }
    assert!(
        text.contains("[redacted]"),
        "{what}: nothing marked: {text}"
    );
}

async fn error_for(status: u16, content_type: &str, body: String) -> Error {
    let server = answering(ResponseTemplate::new(status).set_body_raw(body, content_type)).await;
    client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect_err("an error status")
}

#[tokio::test]
async fn a_key_echoed_in_a_problem_is_redacted_in_every_field() {
    let unicode: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let body = format!(
        r#"{{"type":"https://x/{KEY}","title":"Bearer {KEY}","status":401,
            "detail":"token {unicode} is invalid","instance":"/r/{KEY}",
            "error_code":"{KEY}","echo":{{"headers":["Authorization: Bearer {KEY}"]}}}}"#
    );
    let error = error_for(401, "application/problem+json", body).await;
    let problem = error
        .api_error()
        .and_then(|e| e.problem.as_ref())
        .expect("still parsed as a Problem");
    assert_eq!(problem.status, 401);
    assert_eq!(problem.title, "Bearer [redacted]");
    assert_no_key("problem", &error);
}

#[tokio::test]
async fn a_key_echoed_in_a_raw_body_is_redacted_however_it_was_encoded() {
    let forms = [
        format!("<pre>Authorization: Bearer {KEY}</pre>"),
        format!("<pre>{}</pre>", KEY.to_ascii_uppercase()),
        format!(
            "token={}",
            url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect::<String>()
        ),
        format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("Bearer {KEY}"))
        ),
        format!(r#"{{"echo":"{}"}}"#, KEY.replace('/', "\\/")),
    ];
    for body in forms {
        let error = error_for(502, "text/html", body.clone()).await;
        assert!(matches!(error, Error::Server(_)), "{error:?}");
        assert_no_key(&body, &error);
    }
}

#[tokio::test]
async fn a_key_in_the_request_id_or_a_bad_success_body_is_redacted() {
    let server = answering(
        ResponseTemplate::new(503)
            .insert_header("x-request-id", format!("req-{KEY}").as_str())
            .set_body_raw("unavailable", "text/plain"),
    )
    .await;
    let error = client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect_err("503");
    assert_no_key("request id", &error);

    let error = error_for(
        200,
        "application/json",
        format!(r#"{{"echo":"{KEY}","logs":7"#),
    )
    .await;
    assert!(matches!(error, Error::InvalidResponse(_)), "{error:?}");
    assert_no_key("excerpt", &error);
}

#[tokio::test]
async fn a_key_in_a_redirect_location_is_redacted() {
    let server = answering(ResponseTemplate::new(302).insert_header(
        "Location",
        format!("https://elsewhere.example/?k={KEY}").as_str(),
    ))
    .await;
    let error = client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Redirected { .. }), "{error:?}");
    assert_no_key("location", &error);
}

#[tokio::test]
async fn error_from_response_redacts_with_the_clients_key() {
    let server = MockServer::start().await;
    let client = client(&server);
    let body = format!(r#"{{"title":"no","status":403,"detail":"{KEY}"}}"#);
    let error = client.error_from_response(
        reqwest::StatusCode::FORBIDDEN,
        &reqwest::header::HeaderMap::new(),
        body.as_bytes(),
    );
    assert!(matches!(error, Error::Forbidden(_)));
    assert_no_key("error_from_response", &error);
}
