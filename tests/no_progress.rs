//! A server whose pages stop bringing anything new (empty pages, or the
//! same entries again, each under a fresh cursor) never gets an endless
//! loop: the page stream backs off and ends with a typed error after the
//! client's bound, and a normal paged range is not affected.

mod common;

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use arize_audit_logs::{
    mock::{MockConfig, MockServer as FakeArize},
    Error, NoProgressPolicy, PaginationError, DEFAULT_MAX_PAGES_WITHOUT_PROGRESS,
};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use wiremock::{matchers, Mock, MockServer, Request, Respond, ResponseTemplate};

/// Every page says there is more, under a cursor never given before, and
/// holds `entries` (the same ones each time).
struct NeverAdvancing {
    served: AtomicU64,
    entries: serde_json::Value,
}

impl Respond for NeverAdvancing {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.served.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(json!({
            "logs": self.entries,
            "pagination": { "has_more": true, "next_cursor": format!("fresh-{n}") },
        }))
    }
}

async fn never_advancing(entries: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(NeverAdvancing {
            served: AtomicU64::new(0),
            entries,
        })
        .mount(&server)
        .await;
    server
}

/// Small waits, so the test runs in milliseconds.
fn quick(pages: u32) -> NoProgressPolicy {
    NoProgressPolicy::default()
        .max_pages(pages)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
}

fn client(uri: &str, policy: NoProgressPolicy) -> arize_audit_logs::Client {
    common::builder(uri)
        .retry_policy(arize_audit_logs::RetryPolicy::none())
        .no_progress_policy(policy)
        .build()
        .expect("client")
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

#[tokio::test]
async fn empty_pages_under_fresh_cursors_end_with_no_progress_after_the_bound() {
    for prefetch in [false, true] {
        let server = never_advancing(json!([])).await;
        let client = client(&server.uri(), quick(20));
        let mut pages = client.list_audit_logs().prefetch(prefetch).raw_pages();
        let mut delivered = 0;
        let ends = async {
            loop {
                match pages
                    .next()
                    .await
                    .expect("ends with an error, not silently")
                {
                    Ok(_) => delivered += 1,
                    Err(e) => break e,
                }
            }
        };
        let error = tokio::time::timeout(Duration::from_secs(60), ends)
            .await
            .expect("the stream ends instead of looping");
        assert!(pages.next().await.is_none(), "then the stream ends");
        assert_eq!(delivered, 20, "prefetch {prefetch}");
        match &error {
            Error::Pagination(PaginationError::NoProgress { pages, cursor }) => {
                assert_eq!(*pages, 20);
                assert_eq!(
                    cursor.as_deref(),
                    Some("fresh-18"),
                    "the last one requested"
                );
            }
            other => panic!("prefetch {prefetch}: {other:?}"),
        }
        assert!(error.to_string().contains("not advancing"), "{error}");
        assert_eq!(
            requests(&server).await,
            20,
            "prefetch {prefetch}: the bound is the number of requests"
        );
        let resume = pages.resume_point().expect("resumable");
        assert_eq!(resume.cursor.as_deref(), Some("fresh-18"));
    }
}

#[tokio::test]
async fn the_same_entries_again_under_fresh_cursors_are_no_progress_either() {
    let entry = json!({
        "id": "only-one", "user_id": "u", "ip": "1.2.3.4",
        "operation_type": "QUERY", "created_at": "2026-05-18T12:00:00Z",
    });
    let server = never_advancing(json!([entry])).await;
    let client = client(&server.uri(), quick(5));
    let result: Result<Vec<_>, Error> = client.list_audit_logs().entries().try_collect().await;
    assert!(
        matches!(
            result,
            Err(Error::Pagination(PaginationError::NoProgress {
                pages: 5,
                ..
            }))
        ),
        "{result:?}"
    );
    // The first page brought the entry: five more brought nothing new.
    assert_eq!(requests(&server).await, 6);
}

#[tokio::test]
async fn the_default_bound_is_at_most_a_thousand_requests() {
    let client = client("http://127.0.0.1:9", NoProgressPolicy::default());
    assert_eq!(
        client.no_progress_policy().pages(),
        DEFAULT_MAX_PAGES_WITHOUT_PROGRESS
    );
    assert!(client.no_progress_policy().pages() <= 1000);
}

#[tokio::test]
async fn a_normal_multi_page_range_never_counts_as_no_progress() {
    let fake = FakeArize::start(MockConfig::default().entries(450).seed(7))
        .await
        .expect("fake server");
    let expected: Vec<String> = fake.entries().into_iter().map(|e| e.id).collect();
    for prefetch in [false, true] {
        // A bound of one: a single page without a new entry would end it.
        let client = fake
            .client_builder()
            .no_progress_policy(NoProgressPolicy::default().max_pages(1))
            .build()
            .expect("client");
        let ids: Vec<String> = client
            .list_audit_logs()
            .last_days(31)
            .limit(25)
            .prefetch(prefetch)
            .entries()
            .map_ok(|e| e.id)
            .try_collect()
            .await
            .expect("every page brings something new");
        assert_eq!(ids, expected, "prefetch {prefetch}");
    }
}

#[tokio::test]
async fn one_empty_page_between_full_ones_is_forgiven() {
    let server = MockServer::start().await;
    let entry = |n: u32| {
        json!({
            "id": format!("id-{n}"), "user_id": "u", "ip": "1.2.3.4",
            "operation_type": "QUERY",
            "created_at": format!("2026-05-18T12:00:{:02}Z", 59 - n),
        })
    };
    let pages = [
        (None, json!([entry(0), entry(1)]), Some("a")),
        (Some("a"), json!([]), Some("b")),
        (Some("b"), json!([entry(2)]), Some("c")),
        (Some("c"), json!([]), Some("d")),
        (Some("d"), json!([entry(3)]), None),
    ];
    for (cursor, logs, next) in pages {
        let cursor = cursor.map(str::to_owned);
        let mut pagination = json!({ "has_more": next.is_some() });
        if let Some(next) = next {
            pagination["next_cursor"] = json!(next);
        }
        Mock::given(matchers::path("/v2/audit-logs"))
            .and(move |r: &Request| {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "cursor")
                    .map(|(_, v)| v.into_owned())
                    == cursor
            })
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "logs": logs, "pagination": pagination })),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    // A bound of two: each empty page is alone, and the next resets the count.
    let client = client(&server.uri(), quick(2));
    let ids: Vec<String> = client
        .list_audit_logs()
        .entries()
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .expect("no error");
    assert_eq!(ids, ["id-0", "id-1", "id-2", "id-3"]);
}
