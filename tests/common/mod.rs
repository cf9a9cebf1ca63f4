//! Helpers shared by the conformance tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use arize_audit_logs::{Client, RetryPolicy};
use serde::Serialize;
use wiremock::{matchers, Mock, MockServer, Request, ResponseTemplate};

/// The key every test client sends; snapshots redact it.
pub const TEST_KEY: &str = "test-key-not-a-secret";

/// A documented fixture, as bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    // The library's tests/fixtures, also from the command line's package.
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = [here.join("tests/fixtures"), here.join("../tests/fixtures")]
        .into_iter()
        .find(|d| d.join(name).is_file())
        .unwrap_or_else(|| here.join("tests/fixtures"));
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A client for `server` that does not retry (so each test sees one request
/// per call unless it says otherwise) and ignores the environment.
pub fn client(server: &MockServer) -> Client {
    client_with(server, RetryPolicy::none())
}

pub fn client_with(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .ignore_environment()
        .api_key(TEST_KEY)
        .base_url(server.uri())
        .retry_policy(retry)
        .build()
        .expect("test client")
}

/// Answers `GET /v2/audit-logs` with the given status and body, once or more.
pub fn respond(status: u16, content_type: &str, body: Vec<u8>) -> Mock {
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v2/audit-logs"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
}

/// A server that answers every request with `template`.
pub async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

/// A server that answers every `GET /v2/audit-logs` with an empty last
/// page, and expects `expected` requests (checked when it is dropped).
pub async fn empty_server(expected: u64) -> MockServer {
    let server = MockServer::start().await;
    respond(
        200,
        "application/json",
        br#"{"logs":[],"pagination":{"has_more":false}}"#.to_vec(),
    )
    .expect(expected)
    .mount(&server)
    .await;
    server
}

/// The values of query parameter `name` in each request `server` received,
/// in order.
pub async fn query_values(server: &MockServer, name: &str) -> Vec<Vec<String>> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .collect()
        })
        .collect()
}

/// A request as it went over the wire, for snapshots.
#[derive(Serialize)]
pub struct WireRequest {
    pub method: String,
    pub path: String,
    /// Query pairs in wire order, percent-decoded.
    pub query: Vec<(String, String)>,
    /// The query string exactly as sent.
    pub raw_query: String,
    pub headers: BTreeMap<String, String>,
}

impl WireRequest {
    pub fn from(request: &Request) -> Self {
        let mut headers = BTreeMap::new();
        for (name, value) in request.headers.iter() {
            headers.insert(
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
        Self {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            query: request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            raw_query: request.url.query().unwrap_or("").to_owned(),
            headers,
        }
    }
}

/// Snapshots a wire request with the run-to-run values redacted: the host
/// (its port varies), the API key (its `Bearer ` prefix stays visible, and
/// the redaction checks the real key was sent), and the crate version in the
/// user agent.
#[macro_export]
macro_rules! assert_wire_snapshot {
    ($name:expr, $request:expr) => {
        insta::assert_yaml_snapshot!($name, $request, {
            ".headers.host" => "[host:port]",
            ".headers.authorization" => insta::dynamic_redaction(|value, _| {
                assert_eq!(
                    value.as_str(),
                    Some(format!("Bearer {}", $crate::common::TEST_KEY).as_str()),
                    "the Authorization header must be `Bearer <key>`"
                );
                "Bearer [api key]"
            }),
            ".headers[\"user-agent\"]" => insta::dynamic_redaction(|value, _| {
                let ua = value.as_str().unwrap_or_default().to_owned();
                assert_eq!(ua, arize_audit_logs::USER_AGENT);
                ua.replace(env!("CARGO_PKG_VERSION"), "[version]")
            }),
        });
    };
}

/// A client builder preset for `uri` with the test key, ignoring the
/// environment; for tests that tune other settings.
pub fn builder(uri: &str) -> arize_audit_logs::ClientBuilder {
    Client::builder()
        .ignore_environment()
        .api_key(TEST_KEY)
        .base_url(uri)
}
