//! A bearer that can change (`ClientBuilder::bearer_source`), against the
//! fake server acting as Arize's app host (`POST /oauth2/token`).

use std::{
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use arize_audit_logs::{
    mock::{Faults, MockConfig, MockServer, OAuthTokens},
    Bearer, BearerFuture, BearerSource, Client, CredentialsError, Error,
};
use futures::TryStreamExt;
use wiremock::{matchers::method, Mock, ResponseTemplate};

/// A token endpoint request as `ax` sends it.
async fn refresh(base: &str, refresh_token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=refresh_token&refresh_token={refresh_token}&client_id=arize-cli"
        ))
        .send()
        .await
        .expect("the fake server answers")
}

/// Always the same bearer; counts how often it was asked.
struct Fixed {
    token: String,
    asked: AtomicU32,
}

impl Fixed {
    fn new(token: &str) -> Arc<Self> {
        Arc::new(Self {
            token: token.to_owned(),
            asked: AtomicU32::new(0),
        })
    }
}

impl BearerSource for Fixed {
    fn bearer(&self) -> BearerFuture<'_> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Bearer::new(self.token.clone())) })
    }
}

/// Refreshes through the fake server's `/oauth2/token` once its token is
/// older than `refresh_after`, as an OAuth client would near expiry.
struct Refreshing {
    base: String,
    refresh_after: Duration,
    state: tokio::sync::Mutex<(OAuthTokens, Instant)>,
    refreshed: AtomicU32,
}

impl BearerSource for Refreshing {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if state.1.elapsed() >= self.refresh_after {
                let answer = refresh(&self.base, &state.0.refresh_token).await;
                if !answer.status().is_success() {
                    return Err(CredentialsError::new("refresh refused"));
                }
                let body: serde_json::Value = answer.json().await.expect("json");
                state.0 = OAuthTokens {
                    access_token: body["access_token"].as_str().expect("at").to_owned(),
                    refresh_token: body["refresh_token"].as_str().expect("rt").to_owned(),
                    expires_in: Duration::from_secs(body["expires_in"].as_u64().expect("secs")),
                };
                state.1 = Instant::now();
                self.refreshed.fetch_add(1, Ordering::SeqCst);
            }
            Ok(Bearer::new(state.0.access_token.clone()))
        })
    }
}

fn client_for(server: &MockServer, source: Arc<dyn BearerSource>) -> Client {
    Client::builder()
        .ignore_environment()
        .base_url(server.uri())
        .bearer_source(source)
        .build()
        .expect("client")
}

#[tokio::test]
async fn an_access_token_the_server_issued_is_accepted_as_the_bearer() {
    let server = MockServer::start(MockConfig::default().entries(30))
        .await
        .expect("server");
    let tokens = server.sign_in();
    let source = Fixed::new(&tokens.access_token);
    let client = client_for(&server, source.clone());
    let page = client
        .list_audit_logs()
        .limit(10)
        .send()
        .await
        .expect("page");
    assert_eq!(page.logs.len(), 10);
    assert_eq!(source.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_source_is_asked_before_every_page_so_a_stream_outlives_its_tokens() {
    // Tokens live one second; pages take a quarter of one each.
    let server = MockServer::start(
        MockConfig::default()
            .entries(60)
            .oauth_token_lifetime(Duration::from_secs(1))
            .faults(Faults::none().latency(Duration::from_millis(250))),
    )
    .await
    .expect("server");
    let source = Arc::new(Refreshing {
        base: server.uri(),
        refresh_after: Duration::from_millis(500),
        state: tokio::sync::Mutex::new((server.sign_in(), Instant::now())),
        refreshed: AtomicU32::new(0),
    });
    let client = client_for(&server, source.clone());
    let entries: Vec<_> = client
        .list_audit_logs()
        .limit(5)
        .entries()
        .try_collect()
        .await
        .expect("every page, across refreshes");
    assert_eq!(entries, server.entries());
    assert!(
        source.refreshed.load(Ordering::SeqCst) >= 3,
        "refreshed {} times over 12 pages of 250 ms",
        source.refreshed.load(Ordering::SeqCst)
    );
    assert_eq!(server.oauth_refused(), 0);
}

#[tokio::test]
async fn a_401_to_a_fresh_token_is_an_auth_error_after_one_request_not_a_loop() {
    let server = MockServer::start(
        MockConfig::default()
            .entries(10)
            .oauth_token_lifetime(Duration::from_millis(50)),
    )
    .await
    .expect("server");
    let tokens = server.sign_in();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The source believes its (expired) token good, as a client with a
    // clock behind would.
    let source = Fixed::new(&tokens.access_token);
    let client = client_for(&server, source.clone());
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("expired token");
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(server.requests(), 1, "a 401 is not retried");
    assert_eq!(source.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_source_that_cannot_give_a_bearer_fails_the_call_before_anything_is_sent() {
    struct SignedOut;
    impl BearerSource for SignedOut {
        fn bearer(&self) -> BearerFuture<'_> {
            Box::pin(async { Err(CredentialsError::new("signed out: run `ax auth login`")) })
        }
    }
    let server = MockServer::start(MockConfig::default().entries(10))
        .await
        .expect("server");
    let client = client_for(&server, Arc::new(SignedOut));
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("no bearer");
    assert!(matches!(error, Error::Credentials(_)), "{error:?}");
    assert!(error.to_string().contains("ax auth login"), "{error}");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn every_bearer_a_source_gave_is_taken_out_of_the_errors_that_echo_it() {
    let server = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|request: &wiremock::Request| {
            let sent = request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            ResponseTemplate::new(401)
                .insert_header("content-type", "text/plain")
                .set_body_string(format!("token not accepted: {sent}"))
        })
        .mount(&server)
        .await;
    let tokens = Arc::new(Mutex::new(vec!["second-t0ken-xyz", "first-t0ken-abc"]));
    struct Rotating(Arc<Mutex<Vec<&'static str>>>);
    impl BearerSource for Rotating {
        fn bearer(&self) -> BearerFuture<'_> {
            let next = self.0.lock().expect("lock").pop().unwrap_or("last");
            Box::pin(async move { Ok(Bearer::new(next)) })
        }
    }
    let client = Client::builder()
        .ignore_environment()
        .base_url(server.uri())
        .bearer_source(Arc::new(Rotating(tokens)))
        .build()
        .expect("client");
    for token in ["first-t0ken-abc", "second-t0ken-xyz"] {
        let error = client.list_audit_logs().send().await.expect_err("401");
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, Error::Unauthorized(_)), "{shown}");
        assert!(!shown.contains(token), "{token} shown: {shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[tokio::test]
async fn the_fake_app_host_rotates_refresh_tokens_and_refuses_a_second_use() {
    let server = MockServer::start(MockConfig::default().entries(5))
        .await
        .expect("server");
    let first = refresh(&server.uri(), "mock-refresh-token").await;
    assert_eq!(first.status(), 200);
    let body: serde_json::Value = first.json().await.expect("json");
    let rotated = body["refresh_token"].as_str().expect("rotated");
    assert_ne!(rotated, "mock-refresh-token");
    assert_eq!(body["expires_in"], 3600);

    let again = refresh(&server.uri(), "mock-refresh-token").await;
    assert_eq!(again.status(), 400);
    let refused: serde_json::Value = again.json().await.expect("json");
    assert_eq!(refused["error"], "invalid_grant");
    assert_eq!(refresh(&server.uri(), rotated).await.status(), 200);
    assert_eq!((server.oauth_refreshes(), server.oauth_refused()), (2, 1));

    // The API key still works beside the tokens.
    let page = server
        .client()
        .expect("client")
        .list_audit_logs()
        .send()
        .await;
    assert!(page.is_ok(), "{page:?}");
}
