//! Redirects: followed only within the base URL's origin (so never from
//! https to http); one to another origin is a typed error naming where it
//! pointed, and nothing is fetched from there.

mod common;

use arize_audit_logs::Error;
use common::{builder, client, fixture, TEST_KEY};
use wiremock::{matchers, Mock, MockServer, ResponseTemplate};

/// A server that answers the documented example page, expecting `expected` requests.
async fn serving_a_page(expected: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("list_audit_logs_200.json"), "application/json"),
        )
        .expect(expected)
        .mount(&server)
        .await;
    server
}

/// A server whose `/v2/audit-logs` answers `status` with `Location: location`.
async fn redirecting(status: u16, location: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(ResponseTemplate::new(status).insert_header("Location", location))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_an_error_naming_the_location_and_is_not_followed() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = serving_a_page(0).await;
        // The same machine under another host name: a different origin.
        let target = elsewhere.uri().replace("127.0.0.1", "localhost") + "/v2/audit-logs";
        let origin = redirecting(status, &target).await;

        let error = client(&origin)
            .list_audit_logs()
            .send()
            .await
            .expect_err("a redirect elsewhere is refused");
        match &error {
            Error::Redirected {
                status: got,
                location,
                ..
            } => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(location, &target);
            }
            other => panic!("{status}: expected Redirected, got {other:?}"),
        }
        assert!(error.to_string().contains(&target), "{error}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(!error.is_retryable());
        // `elsewhere` checks on drop that it was never asked.
    }
}

#[tokio::test]
async fn a_redirect_to_another_port_of_the_same_host_is_another_origin() {
    let elsewhere = serving_a_page(0).await;
    let origin = redirecting(302, &format!("{}/v2/audit-logs", elsewhere.uri())).await;
    let error = client(&origin)
        .list_audit_logs()
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Redirected { .. }), "{error:?}");
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_key() {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", "/v2/audit-logs-moved"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(matchers::path("/v2/audit-logs-moved"))
        .and(matchers::header(
            "authorization",
            format!("Bearer {TEST_KEY}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("list_audit_logs_200.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect("followed within the origin");
    assert!(!page.logs.is_empty());
}

#[tokio::test]
async fn a_callers_client_that_follows_everything_still_gets_no_foreign_entries() {
    let elsewhere = serving_a_page(1).await;
    let target = elsewhere.uri().replace("127.0.0.1", "localhost") + "/v2/audit-logs";
    let origin = redirecting(302, &target).await;

    let client = builder(&origin.uri())
        .http_client(reqwest::Client::new()) // reqwest's default: follows up to 10
        .build()
        .expect("client");
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("the answer came from another origin");
    assert!(
        matches!(&error, Error::Redirected { location, .. } if location == &target),
        "{error:?}"
    );
    // reqwest dropped the key on the way; it never reached the other host.
    let at_target = &elsewhere.received_requests().await.expect("recorded")[0];
    assert!(at_target.headers.get("authorization").is_none());
}
