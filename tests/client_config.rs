//! Client configuration: the key, the base URL and its sources, timeouts,
//! transport safety, and that the key never shows.

mod common;

use arize_audit_logs::{Client, ConfigError, Error, Region};
use common::{fixture, respond, TEST_KEY};
use wiremock::MockServer;

fn builder() -> arize_audit_logs::ClientBuilder {
    Client::builder().ignore_environment()
}

fn config_error(result: Result<Client, Error>) -> ConfigError {
    match result {
        Err(Error::Config(e)) => e,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn missing_key_is_a_typed_error_at_build_time() {
    let e = config_error(builder().build());
    assert!(matches!(e, ConfigError::MissingApiKey));
    assert!(e.to_string().contains("ARIZE_API_KEY"));
    assert!(matches!(
        config_error(builder().api_key("   ").build()),
        ConfigError::MissingApiKey
    ));
}

#[test]
fn key_with_a_line_break_is_refused_without_echoing_it() {
    let e = config_error(builder().api_key("abc\ndef-secret").build());
    assert!(matches!(e, ConfigError::InvalidApiKey));
    assert!(!e.to_string().contains("def-secret"));
}

#[test]
fn debug_of_client_and_builder_never_shows_the_key() {
    let secret = "sk-live-very-secret-value";
    let builder = builder().api_key(secret);
    assert!(!format!("{builder:?}").contains(secret));
    let client = builder.build().expect("client");
    let debug = format!("{client:?} {:#?} {:?}", client, client.generated());
    assert!(!debug.contains(secret), "{debug}");
    assert!(debug.contains("redacted"));
}

#[test]
fn base_url_comes_from_region_host_or_explicit_setting() {
    let url = |b: arize_audit_logs::ClientBuilder| {
        b.api_key("k")
            .build()
            .expect("client")
            .base_url()
            .to_owned()
    };
    assert_eq!(url(builder()), "https://api.arize.com");
    assert_eq!(
        url(builder().region(Region::EuWest1a)),
        "https://api.eu-west-1a.arize.com"
    );
    assert_eq!(
        url(builder().region(Region::CaCentral1a)),
        "https://api.ca-central-1a.arize.com"
    );
    assert_eq!(
        url(builder().host("arize.internal.example")),
        "https://arize.internal.example"
    );
    assert_eq!(
        url(builder()
            .region(Region::EuWest1a)
            .base_url("https://proxy.example/arize/")),
        "https://proxy.example/arize",
        "explicit base URL wins and loses its trailing slash"
    );
}

#[test]
fn plain_http_is_refused_unless_loopback_or_opted_in() {
    let e = config_error(
        builder()
            .api_key("k")
            .base_url("http://arize.example")
            .build(),
    );
    assert!(matches!(e, ConfigError::InsecureBaseUrl { .. }), "{e:?}");
    for ok in [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ] {
        builder()
            .api_key("k")
            .base_url(ok)
            .build()
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    builder()
        .api_key("k")
        .base_url("http://arize.example")
        .allow_insecure_http(true)
        .build()
        .expect("opted in");
}

#[test]
fn malformed_base_urls_are_refused_naming_the_setting() {
    for bad in [
        "not a url",
        "ftp://x",
        "https://user:pw@x",
        "https://x/?q=1",
    ] {
        let e = config_error(builder().api_key("k").base_url(bad).build());
        assert!(
            matches!(
                &e,
                ConfigError::InvalidBaseUrl {
                    setting: "base_url",
                    ..
                }
            ),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn zero_timeouts_are_refused() {
    let e = config_error(
        builder()
            .api_key("k")
            .timeout(std::time::Duration::ZERO)
            .build(),
    );
    assert!(matches!(e, ConfigError::ZeroTimeout { setting: "timeout" }));
}

#[tokio::test]
async fn own_reqwest_client_is_used_and_still_authenticates() {
    let server = MockServer::start().await;
    respond(200, "application/json", fixture("list_audit_logs_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let http = reqwest::Client::builder()
        .user_agent("caller/1.0")
        .build()
        .expect("reqwest");
    first_page_through(http, &server).await;
    let request = &server.received_requests().await.expect("recorded")[0];
    assert_eq!(
        request.headers["authorization"],
        format!("Bearer {TEST_KEY}").as_str()
    );
    assert_eq!(request.headers["user-agent"], arize_audit_logs::USER_AGENT);
}

#[tokio::test]
async fn request_timeout_applies_to_a_slow_server() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = builder()
        .api_key(TEST_KEY)
        .base_url(server.uri())
        .timeout(std::time::Duration::from_millis(200))
        .retry_policy(arize_audit_logs::RetryPolicy::none())
        .build()
        .expect("client");
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("times out");
    assert!(
        matches!(&error, Error::Transport(t) if t.kind == arize_audit_logs::TransportErrorKind::Timeout),
        "{error:?}"
    );
}

#[test]
fn only_plain_http_reached_directly_or_through_a_plain_text_proxy_needs_no_tls() {
    use arize_audit_logs::reached_without_tls;
    let none: [&str; 0] = [];
    assert!(reached_without_tls("http://127.0.0.1:8080", none));
    assert!(reached_without_tls(
        "http://localhost:8080",
        ["http://proxy:3128", "socks5h://proxy:1080"]
    ));
    assert!(!reached_without_tls("https://api.arize.com", none));
    assert!(
        !reached_without_tls("http://127.0.0.1:8080", ["https://proxy:3128"]),
        "the proxy itself is reached over TLS"
    );
    assert!(
        !reached_without_tls(
            "http://127.0.0.1:8080",
            ["http://proxy:3128", "https://p:1"]
        ),
        "any proxy that may carry it"
    );
    assert!(!reached_without_tls("not a url", none), "unknown: TLS");
    assert!(!reached_without_tls(
        "http://127.0.0.1:8080",
        ["proxy:3128"]
    ));
}

#[tokio::test]
async fn a_client_without_tls_roots_serves_a_plain_http_base_url() {
    let server = MockServer::start().await;
    respond(200, "application/json", fixture("list_audit_logs_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let http = arize_audit_logs::without_tls_roots(arize_audit_logs::http_client_builder())
        .build()
        .expect("reqwest");
    first_page_through(http, &server).await;
}

/// Fetches the first page of `server` through a client built on `http`.
async fn first_page_through(http: reqwest::Client, server: &MockServer) {
    let client = builder()
        .api_key(TEST_KEY)
        .base_url(server.uri())
        .http_client(http)
        .build()
        .expect("client");
    client.list_audit_logs().send().await.expect("page");
}
