//! Each page stream counts the 429s its own requests received
//! (`Pages::rate_limited`): retried ones and requests ahead included, and
//! never another stream's, even though every stream of a client waits out a
//! rate limit together.
#![cfg(feature = "mock")]

use std::time::Duration;

use arize_audit_logs::{
    mock::{Faults, MockConfig, MockServer},
    Client, RawPage, RetryPolicy,
};
use chrono::TimeDelta;
use futures::StreamExt;

const END: &str = "2026-05-18T12:00:00Z";

/// A server that answers about a third of its requests with a 429 (no
/// `Retry-After`), and a client that retries them quickly.
async fn limited() -> (MockServer, Client) {
    let server = MockServer::start(
        MockConfig::default()
            .entries(300)
            .seed(5)
            .end(END.parse().expect("ts"))
            .span(TimeDelta::hours(2))
            .faults(Faults::none().rate_limit(0.35, None)),
    )
    .await
    .expect("server starts");
    let client = server
        .client_builder()
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(40)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2))
                .jitter(false),
        )
        .build()
        .expect("client");
    (server, client)
}

/// Reads `stream` to its end: the pages it delivered, and its count.
async fn drain(mut stream: arize_audit_logs::Pages<RawPage>) -> (u64, u64) {
    let mut pages = 0;
    while let Some(page) = stream.next().await {
        page.expect("every 429 is retried");
        pages += 1;
    }
    (pages, stream.rate_limited())
}

fn stream(
    client: &Client,
    hours_back: (i64, i64),
    prefetch: bool,
) -> arize_audit_logs::Pages<RawPage> {
    let end: chrono::DateTime<chrono::Utc> = END.parse().expect("ts");
    client
        .list_audit_logs()
        .time_range(
            end - TimeDelta::hours(hours_back.0),
            end - TimeDelta::hours(hours_back.1),
        )
        .limit(10)
        .prefetch(prefetch)
        .raw_pages()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_counts_every_429_its_requests_received() {
    let (server, client) = limited().await;
    let (pages, limited) = drain(stream(&client, (2, 0), false)).await;
    assert!(pages >= 30, "{pages} pages");
    // Every answer was a page or a 429.
    assert_eq!(limited, server.requests() - pages);
    assert!(limited > 0, "the server rate-limited some requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_streams_of_one_client_are_not_charged_for_each_others_429s() {
    let (server, client) = limited().await;
    let ((a_pages, a_limited), (b_pages, b_limited)) = tokio::join!(
        drain(stream(&client, (2, 1), false)),
        drain(stream(&client, (1, 0), false)),
    );
    let sent = server.requests() - a_pages - b_pages;
    assert!(
        a_limited > 0 && b_limited > 0,
        "{a_limited} and {b_limited}"
    );
    // Each 429 once, in the stream whose request received it: a client-wide
    // count would charge both with all of them.
    assert_eq!(a_limited + b_limited, sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_ahead_counts_for_its_stream() {
    let (server, client) = limited().await;
    let (pages, limited) = drain(stream(&client, (2, 0), true)).await;
    // A guess that was wrong would be a request whose page is dropped: the
    // mock's cursors are plain, so every guess is taken and each answer is a
    // delivered page or a 429 of this stream.
    assert_eq!(limited, server.requests() - pages);
    assert!(limited > 0);
}
