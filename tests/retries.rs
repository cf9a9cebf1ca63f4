//! Retries: what is retried, how `Retry-After` is honoured, what the final
//! error says, and that a stream continues at the same cursor.

mod common;

use std::time::{Duration, Instant};

use arize_audit_logs::{Error, RetryPolicy};
use common::{client_with, fixture};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::{matchers, Mock, MockServer, ResponseTemplate};

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn ok_page() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("list_audit_logs_200.json"), "application/json")
}

/// Answers `failures` times with `failure`, then with `success`.
async fn flaky(
    server: &MockServer,
    failure: ResponseTemplate,
    failures: u64,
    success: ResponseTemplate,
) {
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(failure)
        .up_to_n_times(failures)
        .expect(failures)
        .mount(server)
        .await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(success)
        .mount(server)
        .await;
}

#[tokio::test]
async fn retries_5xx_until_success() {
    for status in [500, 502, 503, 504] {
        let server = MockServer::start().await;
        flaky(&server, ResponseTemplate::new(status), 2, ok_page()).await;
        let page = client_with(&server, fast()).list_audit_logs().send().await;
        assert!(page.is_ok(), "{status}: {page:?}");
        assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
    }
}

#[tokio::test]
async fn retries_429_after_retry_after_seconds() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_raw(fixture("problem_429.json"), "application/problem+json");
    flaky(&server, limited, 1, ok_page()).await;
    let started = Instant::now();
    client_with(&server, fast())
        .list_audit_logs()
        .send()
        .await
        .expect("second attempt");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    flaky(
        &server,
        ResponseTemplate::new(503).insert_header("Retry-After", at.as_str()),
        1,
        ok_page(),
    )
    .await;
    let started = Instant::now();
    client_with(&server, fast())
        .list_audit_logs()
        .send()
        .await
        .expect("second attempt");
    // HTTP dates have one-second resolution.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_beyond_the_maximum_returns_at_once_with_the_wait() {
    let server = MockServer::start().await;
    flaky(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
        1,
        ok_page(),
    )
    .await;
    let policy = fast().max_retry_after(Duration::from_secs(60));
    let started = Instant::now();
    let error = client_with(&server, policy)
        .list_audit_logs()
        .send()
        .await
        .expect_err("too long a wait");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.retry_after().map(|r| r.delay().as_secs()), Some(3600));
    assert!(error.to_string().contains("wait 3600s"), "{error}");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404] {
        let server = MockServer::start().await;
        Mock::given(matchers::any())
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let error = client_with(&server, fast())
            .list_audit_logs()
            .send()
            .await
            .expect_err("fails");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.retry_history().map(|h| h.attempts), Some(1));
    }
}

#[tokio::test]
async fn final_error_says_how_many_attempts_and_why_each_failed() {
    let server = MockServer::start().await;
    Mock::given(matchers::any())
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let error = client_with(&server, fast().max_attempts(3))
        .list_audit_logs()
        .send()
        .await
        .expect_err("never clears");
    let history = error.retry_history().expect("history");
    assert_eq!(history.attempts, 3);
    assert_eq!(history.earlier.len(), 2);
    assert!(
        history
            .earlier
            .iter()
            .all(|why| why.starts_with("HTTP 503 (waited ")),
        "{history:?}"
    );
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let server = MockServer::start().await;
    Mock::given(matchers::any())
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let error = client_with(&server, RetryPolicy::none())
        .list_audit_logs()
        .send()
        .await
        .expect_err("once");
    assert!(matches!(error, Error::Server(_)));
}

#[tokio::test]
async fn stream_continues_at_the_same_cursor_after_a_retried_failure() {
    let server = MockServer::start().await;
    let page = |ids: &[&str], next: Option<&str>| {
        let logs: Vec<_> = ids
            .iter()
            .map(|id| {
                json!({"id": id, "user_id": "u", "ip": "1.2.3.4", "operation_type": "QUERY",
                             "created_at": "2026-05-18T12:00:00Z"})
            })
            .collect();
        let mut pagination = json!({"has_more": next.is_some()});
        if let Some(c) = next {
            pagination["next_cursor"] = json!(c);
        }
        ResponseTemplate::new(200).set_body_json(json!({"logs": logs, "pagination": pagination}))
    };
    Mock::given(matchers::query_param_is_missing("cursor"))
        .respond_with(page(&["a", "b"], Some("c1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(matchers::query_param("cursor", "c1"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(matchers::query_param("cursor", "c1"))
        .respond_with(page(&["c", "d"], None))
        .expect(1)
        .mount(&server)
        .await;
    let ids: Vec<String> = client_with(&server, fast())
        .list_audit_logs()
        .entries()
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .expect("completes");
    assert_eq!(ids, ["a", "b", "c", "d"], "no page lost, none repeated");
}
