//! The API key never appears in `Debug`, `Display`, `tracing` output or
//! errors. One test in its own binary: it installs the global subscriber.

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use arize_audit_logs::{Client, RetryPolicy};
use wiremock::{matchers, Mock, MockServer, ResponseTemplate};

const SECRET: &str = "sk-arize-9f8e7d6c5b4a-super-secret";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_never_appears_in_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this binary");

    let server = MockServer::start().await;
    Mock::given(matchers::header(
        "authorization",
        format!("Bearer {SECRET}").as_str(),
    ))
    .respond_with(ResponseTemplate::new(503))
    .up_to_n_times(2)
    .mount(&server)
    .await;
    Mock::given(matchers::header(
        "authorization",
        format!("Bearer {SECRET}").as_str(),
    ))
    .respond_with(ResponseTemplate::new(401).set_body_raw(
        common::fixture("problem_401.json"),
        "application/problem+json",
    ))
    .mount(&server)
    .await;

    let client = Client::builder()
        .ignore_environment()
        .api_key(SECRET)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .expect("client");
    let mut seen = vec![format!("{client:?}"), format!("{:?}", client.generated())];

    // Retries (two 503s), then a 401: every attempt is logged.
    let error = client.list_audit_logs().send().await.expect_err("401");
    seen.push(format!("{error}"));
    seen.push(format!("{error:?}"));
    tracing::info!(client = ?client, "the client, logged by a careless caller");

    // A transport failure too.
    let refused = Client::builder()
        .ignore_environment()
        .api_key(SECRET)
        .base_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = refused.list_audit_logs().send().await.expect_err("refused");
    seen.push(format!("{error} {error:?}"));

    let logs =
        String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    assert!(
        logs.contains("request failed; retrying"),
        "the capture works: {logs}"
    );
    assert!(!logs.contains(SECRET), "the key is in the logs:\n{logs}");
    for text in &seen {
        assert!(!text.contains(SECRET), "the key is in: {text}");
    }
}
